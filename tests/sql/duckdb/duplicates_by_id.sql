SELECT _seq,
            min(_seq) OVER (PARTITION BY event_id, event_type, campaign_id, email_id, lead_id) AS _keep,
            (min(campaign_id) OVER (PARTITION BY event_id) <> max(campaign_id) OVER (PARTITION BY event_id) OR min(email_id) OVER (PARTITION BY event_id) <> max(email_id) OVER (PARTITION BY event_id) OR min(lead_id) OVER (PARTITION BY event_id) <> max(lead_id) OVER (PARTITION BY event_id)) AS _conflict,
            event_id, event_type, timestamp, campaign_id, email_id, lead_id
        FROM events
        WHERE event_id IS NOT NULL AND hash(event_id) IN (SELECT hash(event_id) FROM events WHERE event_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1)
