-- Each reviewed finding's current review: the latest row of the append-only `finding_reviews` for its rule
-- and subject (a later row by the same or another reviewer wins; rows written in the same instant fall to
-- the one written last). `evidence` is the hash of the evidence the finding rested on when it was reviewed:
-- `queries.governance` compares it with today's and shows a finding whose evidence has changed as open
-- again. Findings never reviewed have no row.
-- Parameters: $policy.
WITH reviews AS (
    SELECT rule, subject, evidence, status, note, reviewer, reviewed_at, rowid AS written
    FROM finding_reviews
    WHERE policy_id = $policy
),

latest AS (
    SELECT rule, subject, evidence, status, note, reviewer, reviewed_at
    FROM reviews
    QUALIFY row_number() OVER (PARTITION BY rule, subject ORDER BY reviewed_at DESC, written DESC) = 1
)

SELECT * FROM latest ORDER BY rule, subject;
