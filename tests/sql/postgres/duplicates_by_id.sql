SELECT
  "_seq",
  MIN("_seq") OVER (PARTITION BY "event_id", "event_type", "campaign_id", "email_id", "lead_id") AS "_keep",
  (
    MIN("campaign_id") OVER (PARTITION BY "event_id") <> MAX("campaign_id") OVER (PARTITION BY "event_id")
    OR MIN("email_id") OVER (PARTITION BY "event_id") <> MAX("email_id") OVER (PARTITION BY "event_id")
    OR MIN("lead_id") OVER (PARTITION BY "event_id") <> MAX("lead_id") OVER (PARTITION BY "event_id")
  ) AS "_conflict",
  "event_id",
  "event_type",
  "timestamp",
  "campaign_id",
  "email_id",
  "lead_id"
FROM "events"
WHERE
  NOT "event_id" IS NULL
  AND HASHTEXTEXTENDED(CAST("event_id" AS TEXT), 0) IN (
    SELECT
      HASHTEXTEXTENDED(CAST("event_id" AS TEXT), 0)
    FROM "events"
    WHERE
      NOT "event_id" IS NULL
    GROUP BY
      1
    HAVING
      COUNT(*) > 1
  )
