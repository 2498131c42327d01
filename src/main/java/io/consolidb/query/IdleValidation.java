package io.consolidb.query;

import static io.consolidb.FailureCodes.UNAVAILABLE;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.SqlConnection;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Checks a pooled connection that has been idle longer than a bound before a statement runs on
 * it, as HikariCP does: a connection whose peer vanished silently (packets dropped, a host gone
 * without a FIN or RST) looks open and would hold its borrower until the query deadline. TCP
 * keepalive cannot catch this in time: it only probes after the kernel's idle time (two hours by
 * default; Vert.x's NIO transport cannot lower it), and a middlebox or a hung server still
 * acknowledges its probes.
 *
 * <p>A check is an empty round trip ({@code SELECT 1}) under its own short timeout. When one
 * fails, every connection last seen alive before that check was sent is suspect and is closed
 * when it is next borrowed, without a check of its own: the path they share has most likely
 * failed, and a borrower must not pay one timeout per dead connection. Connections the pool opens
 * afterwards are not suspect.
 *
 * <p>Connections are keyed by their physical connection (held weakly: the pool owns them).
 * Confined to the query verticle's event loop.
 */
final class IdleValidation {

  private static final Future<Void> VALID = Future.succeededFuture();

  private final Vertx vertx;
  private final long idleNanos;
  private final long timeoutMs;
  private final Map<Object, Long> lastAlive = new WeakHashMap<>();
  /** Connections last seen alive before this were open when a check failed. */
  private long suspectBefore = System.nanoTime();
  private boolean anyFailed;

  IdleValidation(Vertx vertx, long idleMs, long timeoutMs) {
    this.vertx = vertx;
    this.idleNanos = idleMs * 1_000_000;
    this.timeoutMs = timeoutMs;
  }

  /**
   * Succeeds when {@code connection} may be used: new, recently used, or answering its check in
   * time. Fails when it is suspect or its check failed; the caller must then close it.
   */
  Future<Void> check(SqlConnection connection) {
    Object key = SqlClientInternals.identity(connection);
    long now = System.nanoTime();
    Long seen = lastAlive.get(key);
    if (seen == null) { // just opened by the pool
      lastAlive.put(key, now);
      return VALID;
    }
    if (anyFailed && seen - suspectBefore < 0) {
      return Future.failedFuture(new QueryFailure(UNAVAILABLE,
          "connection idle since before a failed check", true));
    }
    if (now - seen <= idleNanos) {
      return VALID;
    }
    return ping(connection, key, now);
  }

  /** Records that {@code connection} just finished its work. */
  void alive(SqlConnection connection) {
    lastAlive.put(SqlClientInternals.identity(connection), System.nanoTime());
  }

  private Future<Void> ping(SqlConnection connection, Object key, long sent) {
    Promise<Void> checked = Promise.promise();
    long timer = vertx.setTimer(timeoutMs, id -> checked.tryFail(failed(sent, "did not answer its check within "
        + timeoutMs + " ms")));
    connection.query("SELECT 1").execute().onComplete(done -> {
      vertx.cancelTimer(timer);
      if (done.succeeded()) {
        lastAlive.put(key, System.nanoTime());
        checked.tryComplete();
      } else {
        checked.tryFail(failed(sent, "failed its check"));
      }
    });
    return checked.future();
  }

  private QueryFailure failed(long sent, String why) {
    anyFailed = true;
    if (sent - suspectBefore > 0) {
      suspectBefore = sent;
    }
    return new QueryFailure(UNAVAILABLE, "idle connection " + why, true);
  }
}
