-- The meanings an organisation chose for its own words on the Upload page (a category, platform, action ...),
-- every version, the latest first: which mapping's words, the kind of word, the word as matched (trimmed,
-- lower case), what it means (codes joined by '|'; '' for nothing; empty when the choice was withdrawn), who
-- chose it and when (local time), and whether it is the word's current meaning. Parameters: $policy.
WITH zone AS (SELECT coalesce(max(timezone), 'UTC') AS tz FROM policies WHERE policy_id = $policy)
SELECT c.mapping, c.field, c.said, c.means, c.version, c.chosen_by, timezone(zone.tz, c.chosen_at) AS chosen_local,
       c.version = max(c.version) OVER (PARTITION BY c.mapping, c.field, c.said) AS current
FROM mapping_choices c, zone
WHERE c.policy_id = $policy
ORDER BY c.chosen_at DESC, c.mapping, c.field, c.said;
