package io.consolidb.http;

import io.consolidb.config.HttpLimits.RouteLimit;
import io.consolidb.metrics.BulkheadMeters;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayDeque;

/**
 * The admission of one {@link RouteClass}: at most {@code concurrency} requests in flight and
 * {@code queue} more waiting, first come first served. A request that finds both full is answered
 * 429 with {@code Retry-After} at once, before any service is called; a queued one that waits
 * longer than {@code queueWaitMs} is answered the same way.
 *
 * <p>A request holds its permit until its response is over (sent, failed, or its connection gone)
 * <em>and</em> the service calls it registered with {@link #hold} have completed: a client that
 * hangs up does not free room for more work than the class allows while its query still runs.
 * The permit goes back exactly once whichever of these comes last.
 *
 * <p>Confined to the HTTP verticle's event loop (no locks): the node deploys one HTTP verticle, so
 * its limits are the node's. Were it deployed with several instances, each would admit its own
 * limits (see docs/RELIABILITY.md).
 */
final class Bulkhead implements Handler<RoutingContext> {

  /** Routing-context key of the request's permit. */
  static final String PERMIT = "consolidb.bulkheadPermit";

  private final RouteClass routeClass;
  private final int concurrency;
  private final int queueLimit;
  private final long queueWaitMs;
  private final Vertx vertx;
  private final Context context;
  private final BulkheadMeters meters;
  private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
  private int inFlight;

  /** Call on the HTTP verticle's context: the bulkhead is confined to it. */
  Bulkhead(Vertx vertx, RouteClass routeClass, RouteLimit limit, int queueWaitMs, MeterRegistry registry) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.routeClass = routeClass;
    this.concurrency = limit.concurrency();
    this.queueLimit = limit.queue();
    this.queueWaitMs = queueWaitMs;
    this.meters = new BulkheadMeters(registry, routeClass.label(), () -> inFlight, queue::size,
        concurrency, queueLimit);
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (ctx.get(PERMIT) != null) {
      ctx.next(); // a later route of a request already admitted
      return;
    }
    if (inFlight < concurrency && queue.isEmpty()) {
      admit(ctx);
      ctx.next();
      return;
    }
    if (queue.size() >= queueLimit) {
      meters.rejectedFull();
      reject(ctx, "this node is serving as many " + routeClass.requests() + " as it may (" + concurrency
          + " at once, " + queueLimit + " waiting); retry later");
      return;
    }
    Waiter waiter = new Waiter(ctx);
    queue.add(waiter);
    // A body handler further on must still find the body: keep it unread while the request waits.
    ctx.request().pause();
    waiter.timer = vertx.setTimer(queueWaitMs, id -> waiter.expire());
    ctx.addEndHandler(done -> waiter.gone());
  }

  /** Keeps the request's permit until {@code work} completes, even if the client hangs up first. */
  static <T> Future<T> hold(RoutingContext ctx, Future<T> work) {
    Permit permit = ctx.get(PERMIT);
    if (permit != null) {
      permit.hold(work);
    }
    return work;
  }

  /** Requests in flight now (tests, gauges). */
  int inFlight() {
    return inFlight;
  }

  /** Requests waiting now (tests, gauges). */
  int queued() {
    return queue.size();
  }

  /** Drops the meters: the verticle stops. */
  void close() {
    meters.remove();
  }

  private void admit(RoutingContext ctx) {
    inFlight++;
    Permit permit = new Permit();
    ctx.put(PERMIT, permit);
    ctx.addEndHandler(done -> permit.responded());
  }

  private void release() {
    inFlight--;
    while (inFlight < concurrency && !queue.isEmpty()) {
      Waiter next = queue.poll();
      vertx.cancelTimer(next.timer);
      next.state = Waiter.ADMITTED;
      admit(next.ctx);
      next.ctx.next();
      // a body handler resumed it already; a route without one lets the (empty) body end
      next.ctx.request().resume();
    }
  }

  private void reject(RoutingContext ctx, String detail) {
    if (UnreadBody.pending(ctx.request())) {
      UnreadBody.closeAfterAnswer(vertx, ctx); // nobody will read the body the client may still send
    }
    Problems.send(ctx, 429, detail);
  }

  /** A request's room in the class; see the class comment for when it goes back. */
  private final class Permit {
    private boolean responded;
    private boolean released;
    private int pending;

    void responded() {
      responded = true;
      releaseIfDone();
    }

    void hold(Future<?> work) {
      pending++;
      work.onComplete(done -> {
        if (Vertx.currentContext() == context) {
          workDone();
        } else {
          context.runOnContext(v -> workDone()); // a service on another event loop completed it
        }
      });
    }

    private void workDone() {
      pending--;
      releaseIfDone();
    }

    private void releaseIfDone() {
      if (responded && pending == 0 && !released) {
        released = true;
        release();
      }
    }
  }

  /** A queued request: it is admitted, expires, or its client goes away, whichever comes first. */
  private final class Waiter {
    static final int WAITING = 0;
    static final int ADMITTED = 1;
    static final int DONE = 2;

    final RoutingContext ctx;
    long timer;
    int state = WAITING;

    Waiter(RoutingContext ctx) {
      this.ctx = ctx;
    }

    void expire() {
      if (state == WAITING) {
        state = DONE;
        queue.remove(this);
        meters.rejectedWaited();
        reject(ctx, "this node's " + routeClass.requests() + " stayed busy for " + queueWaitMs
            + " ms while the request waited; retry later");
      }
    }

    void gone() {
      if (state == WAITING) {
        state = DONE;
        queue.remove(this);
        vertx.cancelTimer(timer);
      }
    }
  }
}
