SELECT
  r.campaign_id,
  r.email_id,
  CAST(r.first_sent_at AT TIME ZONE 'America/New_York' AS DATE) AS send_day,
  COALESCE(CAST(l."segment" AS VARCHAR(MAX)), '(unknown)') AS "segment",
  CAST(SUM(r."sent") AS BIGINT) AS "sent",
  CAST(SUM(r."delivered") AS BIGINT) AS "delivered",
  CAST(SUM(r."hard_bounced") AS BIGINT) AS "hard_bounced",
  CAST(SUM(r."soft_bounced") AS BIGINT) AS "soft_bounced",
  CAST(SUM(r."pending") AS BIGINT) AS "pending",
  CAST(SUM(r."aborted") AS BIGINT) AS "aborted",
  CAST(SUM(r."opened") AS BIGINT) AS "opened",
  CAST(SUM(r."clicked") AS BIGINT) AS "clicked",
  CAST(SUM(r."unsubscribed") AS BIGINT) AS "unsubscribed",
  CAST(SUM(r."complained") AS BIGINT) AS "complained",
  CAST(SUM(r."total_opens") AS BIGINT) AS "total_opens",
  CAST(SUM(r."total_clicks") AS BIGINT) AS "total_clicks",
  CAST(SUM(r."machine_opened") AS BIGINT) AS "machine_opened"
FROM records AS r
LEFT JOIN leads AS l
  ON l.lead_id = r.lead_id
GROUP BY
  1,
  2,
  3,
  4
ORDER BY
  1,
  2,
  3,
  4
