package io.consolidb.query;

import io.netty.channel.EventLoop;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Lookups run on their caller's event loop. An in-process caller on another event loop than the
 * query verticle's gets a lane of its own: an executor with pipelined lookup connections opened
 * from that event loop, so the statement is written, answered and handed back on the caller's
 * thread, with no hop to the query verticle's event loop and back. Why: on two cores those two
 * wake-ups per lookup were what kept the service path at 0.75–0.84 of the bare pipelined client,
 * which reached it when its caller ran on the query verticle's event loop (docs/BENCHMARKS.md,
 * "What was changed").
 *
 * <p>A lane serves only what needs nothing of the verticle's own state: reads marked
 * {@code lookup} and {@code readOnly}, with no {@code invalidate} part and no LSN to wait for,
 * on a node without read replicas. Its cache part is served by the node's cache as on the
 * verticle (the cache is thread-safe). Everything else (writes, reports, transactions) still runs
 * on the query verticle. The lanes share the verticle's circuit breaker and metrics (both
 * thread-safe for this); each lane keeps its own pipelined client, with its own stuck-connection
 * and idle checks ({@link PipelinedLookups}).
 *
 * <p>Connections: {@code DB_POOL_PIPELINED} per lane in use, and a lane exists per event loop
 * that has made a lookup (at most the node's event-loop count; docs/OPERATIONS.md). A caller on the
 * query verticle's own event loop uses the verticle's executor, on its own context. Lanes are
 * made on first use and closed with the verticle.
 */
final class LookupLanes {

  private final Vertx vertx;
  private final QueryExecutor home;
  private final EventLoop homeLoop;
  private final Supplier<QueryExecutor> newLane;
  private final Map<EventLoop, QueryExecutor> lanes = new ConcurrentHashMap<>();
  private boolean closed;

  /**
   * @param vertx the query verticle's Vert.x: only its event loops get lanes (a lane's timers are
   *     set on it)
   * @param home the query verticle's executor, for callers on its event loop
   * @param homeLoop the query verticle's event loop
   * @param newLane builds a lane's executor with a pipelined client of its own, on the calling thread
   */
  LookupLanes(Vertx vertx, QueryExecutor home, EventLoop homeLoop, Supplier<QueryExecutor> newLane) {
    this.vertx = vertx;
    this.home = home;
    this.homeLoop = homeLoop;
    this.newLane = newLane;
  }

  /**
   * The executor that runs {@code body} right here on {@code caller}'s thread, or null when the
   * request must go to the query verticle: the caller is not on one of this Vert.x's event loops
   * (another Vert.x in the same process included), or the request is not a plain lookup.
   * Malformed flags are not plain lookups: the verticle rejects them with its usual 400.
   */
  QueryExecutor forCaller(ContextInternal caller, JsonObject body, String busLsn) {
    if (caller == null || caller.owner() != vertx || !caller.isEventLoopContext()
        || !caller.nettyEventLoop().inEventLoop() || busLsn != null || !Boolean.TRUE.equals(body.getValue("lookup"))
        || !Boolean.TRUE.equals(body.getValue("readOnly"))
        || body.getValue("invalidate") != null || body.getValue("minLsn") != null) {
      return null;
    }
    EventLoop loop = caller.nettyEventLoop();
    if (loop == homeLoop) {
      return home;
    }
    QueryExecutor lane = lanes.get(loop);
    return lane != null ? lane : open(loop);
  }

  /** A lane for {@code loop}, made on its thread (its connections then live on that event loop). */
  private synchronized QueryExecutor open(EventLoop loop) {
    if (closed) {
      return null; // the verticle is stopping: its own path answers
    }
    return lanes.computeIfAbsent(loop, l -> newLane.get());
  }

  /** How many lanes are open: the pool state's {@code lookup_lanes}. */
  int size() {
    return lanes.size();
  }

  /** Closes every lane's connections; no lane is opened after this. */
  Future<Void> close() {
    List<Future<Void>> closing = new ArrayList<>();
    synchronized (this) {
      closed = true;
      for (QueryExecutor lane : lanes.values()) {
        closing.add(lane.closeLookups());
      }
      lanes.clear();
    }
    return Future.join(closing).mapEmpty();
  }
}
