SELECT e.* FROM events e ANTI JOIN excluded x ON e._seq = x._seq
