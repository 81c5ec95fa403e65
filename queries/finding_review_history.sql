-- Every review of a policy's findings, oldest first: each change of status with its note, reviewer, time and
-- the hash of the evidence it was made on (the finding's history on the Governance review; the latest row of
-- each finding is `finding_reviews`).
-- Parameters: $policy.
WITH reviews AS (
    SELECT rule, subject, evidence, status, note, reviewer, reviewed_at, rowid AS written
    FROM finding_reviews
    WHERE policy_id = $policy
)

SELECT rule, subject, evidence, status, note, reviewer, reviewed_at
FROM reviews
ORDER BY reviewed_at, written;
