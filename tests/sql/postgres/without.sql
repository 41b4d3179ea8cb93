SELECT
  "e".*
FROM "events" AS "e"
WHERE
  NOT EXISTS(
    SELECT
      1
    FROM "excluded" AS "x"
    WHERE
      "e"."_seq" = "x"."_seq"
  )
