SELECT
  e.*
FROM events AS e
ANTI JOIN excluded AS x
  ON e._seq = x._seq
