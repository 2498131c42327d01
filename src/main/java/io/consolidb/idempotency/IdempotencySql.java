package io.consolidb.idempotency;

/**
 * The SQL of idempotency keys ({@code V7__idempotency_keys.sql}): a key row is written by the same
 * statement, or in the same transaction, as the write it protects, so both commit or neither does.
 * Positional parameters only; values are always bound.
 */
public final class IdempotencySql {

  /**
   * A key row on its own, for a transaction's last statement: {@code $1} operation, {@code $2} key,
   * {@code $3} fingerprint, {@code $4} the result (a JSON object). A concurrent transaction holding
   * the same key makes it wait for that one's end, then fail with 23505 if it committed.
   */
  public static final String INSERT =
      "INSERT INTO idempotency_keys (operation, idem_key, fingerprint, result)"
          + " VALUES ($1::text, $2::text, $3::text, $4::jsonb)";

  /**
   * Deletes up to {@code $2} keys stored more than {@code $1} seconds ago, oldest first; rows
   * another purge holds are skipped rather than waited for (every node purges).
   */
  static final String PURGE =
      "DELETE FROM idempotency_keys WHERE (operation, idem_key) IN ("
          + "SELECT operation, idem_key FROM idempotency_keys"
          + " WHERE stored_at < now() - make_interval(secs => $1::float8)"
          + " ORDER BY stored_at LIMIT $2 FOR UPDATE SKIP LOCKED)";

  private IdempotencySql() {
  }

  /**
   * {@code write} (one INSERT, UPDATE or DELETE with a RETURNING clause, returning at most one row,
   * with {@code parameters} positional parameters) made to store its key in the same statement:
   * {@code $(parameters+1)} operation, {@code +2} key, {@code +3} fingerprint (see
   * {@link IdempotentWrites.Claim#params}). The key row holds the returned row as JSON; a write
   * that returns no row (nothing to update or delete) stores no key. The statement returns what
   * {@code write} returns.
   */
  public static String keyed(String write, int parameters) {
    return "WITH w AS (" + write + "), k AS (INSERT INTO idempotency_keys (operation, idem_key, fingerprint, result)"
        + " SELECT $" + (parameters + 1) + "::text, $" + (parameters + 2) + "::text, $" + (parameters + 3)
        + "::text, to_jsonb(w) FROM w) SELECT * FROM w";
  }

  /**
   * The stored answer of a key: {@code $1} operation, {@code $2} key; one row with the
   * {@code fingerprint} and {@code columns} read from {@code source}, a FROM item named {@code r}
   * over {@code k.result} that gives the stored JSON its column types back (e.g.
   * {@code jsonb_populate_record(NULL::restaurants, k.result) r}), so a replay's row maps to JSON
   * exactly as the first answer's did. No row when the key is unknown.
   */
  public static String replay(String columns, String source) {
    return "SELECT k.fingerprint, " + columns + " FROM idempotency_keys k CROSS JOIN LATERAL " + source
        + " WHERE k.operation = $1 AND k.idem_key = $2";
  }
}
