SELECT
  campaign_id,
  email_id,
  send_day,
  weekday,
  hour,
  COUNT(*) AS opens,
  COUNTIF(NOT is_machine_open) AS human_opens
FROM activity
WHERE
  is_open
GROUP BY
  1,
  2,
  3,
  4,
  5
ORDER BY
  1 NULLS LAST,
  2 NULLS LAST,
  3 NULLS LAST,
  4 NULLS LAST,
  5 NULLS LAST
