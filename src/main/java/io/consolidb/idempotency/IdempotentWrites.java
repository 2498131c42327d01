package io.consolidb.idempotency;

import io.consolidb.FailureCodes;
import io.consolidb.query.QueryClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import java.util.function.Function;

/**
 * Writes under an idempotency key. The first request with a key runs its write, which stores the
 * key, the request's fingerprint and the rows the write returned in the same statement or
 * transaction ({@link IdempotencySql}); a later request with the same key for the same operation
 * gets those rows back without writing again, and one with another request fails with
 * {@link FailureCodes#KEY_REUSED}.
 *
 * <p>Concurrent requests with one key: the unique key makes the second transaction wait for the
 * first at the key's INSERT. If the first commits, the second fails (23505, a conflict) and rolls
 * its write back, or finds nothing left to update or delete; either way the key is read again and
 * the first answer returned. Only a write that returned rows stores its key: a failure (invalid
 * input, not found, a conflict, a timeout) leaves the key unused, so the client may retry it.
 */
public final class IdempotentWrites {

  private final QueryClient queries;

  public IdempotentWrites(QueryClient queries) {
    this.queries = queries;
  }

  /** The key of one request: its operation, the key, and the fingerprint of its arguments. */
  public record Claim(String operation, String key, String fingerprint) {

    /**
     * The claim of a call to {@code operation} with these arguments, or null when {@code key} is
     * null (the call is not keyed); a key that is not valid fails with 400 ({@link IdempotencyKeys#check}).
     */
    public static Claim of(String operation, String key, Object... arguments) {
      if (key == null) {
        return null;
      }
      return new Claim(operation, IdempotencyKeys.check(key), IdempotencyKeys.fingerprint(operation, arguments));
    }

    /** The write's parameters followed by this claim's, as {@link IdempotencySql#keyed} numbers them. */
    public JsonArray params(JsonArray write) {
      return write.copy().add(operation).add(key).add(fingerprint);
    }

    /** The parameters of {@link IdempotencySql#INSERT} storing {@code result}. */
    public JsonArray insertParams(JsonObject result) {
      return JsonArray.of(operation, key, fingerprint, result);
    }
  }

  /** The rows of a write, and whether they are a stored answer rather than a new write. */
  public record Outcome(JsonArray rows, boolean replayed) {

    /** Rows just written. */
    public static Outcome written(JsonArray rows) {
      return new Outcome(rows, false);
    }

    /** The first row, or null. */
    public JsonObject firstRow() {
      return rows.isEmpty() ? null : rows.getJsonObject(0);
    }

    /** {@code reply} as the answer to this outcome: marked {@link Replayed} when it is one. */
    public JsonObject mark(JsonObject reply) {
      return replayed && reply != null ? Replayed.of(reply) : reply;
    }
  }

  /**
   * Runs {@code write} under {@code claim}, unless the key already answered.
   *
   * @param replaySql {@link IdempotencySql#replay} giving the stored rows the shape {@code write} returns
   * @param write     the keyed write (it stores the claim itself) → the rows it returned
   */
  public Future<Outcome> run(Claim claim, String replaySql, Function<Claim, Future<JsonArray>> write) {
    return stored(claim, replaySql).compose(first -> {
      if (first != null) {
        return Future.succeededFuture(first);
      }
      return write.apply(claim).compose(
          rows -> rows.isEmpty()
              // nothing to update or delete: perhaps because a concurrent request with this key did it
              ? stored(claim, replaySql).map(again -> again != null ? again : Outcome.written(rows))
              : Future.succeededFuture(Outcome.written(rows)),
          failure -> isConflict(failure)
              // the key's INSERT lost to a concurrent request with this key (or the write conflicted anyway)
              ? stored(claim, replaySql).compose(again -> again != null ? Future.succeededFuture(again)
                  : Future.failedFuture(failure))
              : Future.failedFuture(failure));
    });
  }

  /** The stored answer of the claim's key, null when the key is unused; 422 when it answered another request. */
  private Future<Outcome> stored(Claim claim, String replaySql) {
    return queries.read(claim.operation() + ".replay", replaySql, JsonArray.of(claim.operation(), claim.key()))
        .compose(result -> {
          JsonObject row = result.firstRow();
          if (row == null) {
            return Future.succeededFuture(null);
          }
          if (!claim.fingerprint().equals(row.getString("fingerprint"))) {
            return Future.failedFuture(new ServiceException(FailureCodes.KEY_REUSED,
                "this idempotency key was already used for a different " + claim.operation()
                    + " request; use a new key for a new request",
                new JsonObject().put("parameter", IdempotencyKeys.PARAMETER)));
          }
          JsonObject rowAsWritten = row.copy();
          rowAsWritten.remove("fingerprint");
          return Future.succeededFuture(new Outcome(JsonArray.of(rowAsWritten), true));
        });
  }

  private static boolean isConflict(Throwable failure) {
    return failure instanceof ServiceException e && e.failureCode() == FailureCodes.CONFLICT;
  }
}
