SELECT
  e.*
FROM events AS e
WHERE
  EXISTS(
    SELECT
      1
    FROM (
      SELECT
        *
      FROM aggregates
      WHERE
        first_sent_at IS NULL
    ) AS k
    WHERE
      e.campaign_id = k.campaign_id
      AND e.email_id = k.email_id
      AND e.lead_id = k.lead_id
  )
