SELECT
  "campaign_id",
  "email_id",
  "send_day",
  "weekday",
  "hour",
  COUNT(*) AS "opens",
  COUNT(*) FILTER(WHERE
    NOT "is_machine_open") AS "human_opens"
FROM "activity"
WHERE
  "is_open"
GROUP BY
  1,
  2,
  3,
  4,
  5
ORDER BY
  1,
  2,
  3,
  4,
  5
