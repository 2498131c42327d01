package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.config.HttpLimits.RouteLimit;
import io.consolidb.testsupport.Await;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * One bulkhead (1 in flight, 1 waiting at most 1 s) in front of routes whose handlers the test
 * finishes by hand, over real HTTP connections: admission, the two kinds of 429, and the permit
 * going back exactly once however the request ends.
 */
class BulkheadTest {

  private static final int WAIT_MS = 1_000;

  private Vertx vertx;
  private Server server;

  /** The routes under test, on one event loop like the HTTP verticle's. */
  private static final class Server extends VerticleBase {
    final ConcurrentLinkedQueue<RoutingContext> held = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Promise<Void>> work = new ConcurrentLinkedQueue<>();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    volatile Bulkhead bulkhead;
    volatile int port;

    @Override
    public Future<?> start() {
      bulkhead = new Bulkhead(vertx, RouteClass.SEARCHES, new RouteLimit(1, 1), WAIT_MS, registry);
      Router router = Router.router(vertx);
      router.get("/held").handler(bulkhead).handler(held::add);
      router.get("/work").handler(bulkhead).handler(ctx -> {
        Promise<Void> promise = Promise.promise();
        work.add(promise);
        Bulkhead.hold(ctx, promise.future());
      });
      router.get("/fail").handler(bulkhead).handler(ctx -> {
        throw new IllegalStateException("a bug in a handler");
      });
      router.post("/body").handler(bulkhead);
      router.post("/body").handler(BodyHandler.create(false)).handler(ctx -> ctx.end("read " + ctx.body().length()));
      router.route().failureHandler(ctx -> Problems.send(ctx, 500, "failed"));
      return vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").onSuccess(s -> port = s.actualPort());
    }

    /** Answers the oldest held request. */
    void finishOne() {
      RoutingContext ctx = held.poll();
      context.runOnContext(v -> ctx.response().end("done"));
    }

    void closeBulkhead() {
      Await.result(Future.future(p -> context.runOnContext(v -> {
        bulkhead.close();
        p.complete();
      })));
    }

    int inFlight() {
      return Await.result(Future.future(p -> context.runOnContext(v -> p.complete(bulkhead.inFlight()))));
    }

    int queued() {
      return Await.result(Future.future(p -> context.runOnContext(v -> p.complete(bulkhead.queued()))));
    }
  }

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    server = new Server();
    vertx.deployVerticle(server).await(10, TimeUnit.SECONDS);
  }

  private final java.net.http.HttpClient jdk = java.net.http.HttpClient.newBuilder()
      .version(java.net.http.HttpClient.Version.HTTP_1_1).build();

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("a full class answers 429 with Retry-After at once; the waiting request is served when room frees up")
  void fullClass_rejectsAtOnceAndAdmitsTheQueuedOneInOrder() throws Exception {
    Future<Answer> first = get("/held");
    Await.until("the first request is in flight", 5_000, () -> server.held.size() == 1);
    Future<Answer> second = get("/held");
    Await.until("the second request waits", 5_000, () -> server.queued() == 1);

    long started = System.nanoTime();
    Answer third = get("/held").await(5, TimeUnit.SECONDS);
    long tookMs = (System.nanoTime() - started) / 1_000_000;
    assertThat(third.status()).isEqualTo(429);
    assertThat(third.retryAfter()).isEqualTo("1");
    assertThat(third.contentType()).startsWith("application/problem+json");
    assertThat(third.problem().getString("detail")).contains("searches").contains("1 at once, 1 waiting");
    assertThat(tookMs).as("a full class does not wait for room").isLessThan(WAIT_MS);
    assertThat(third.connection()).as("a refused GET keeps its connection (no reconnect storm)").isNull();
    // A raw connection: Vert.x 5.0.7's HttpClient now and then loses an answer (docs/TESTING.md,
    // "Known flakes"); this one reads exactly what the node wrote, and sees it hang up.
    RawConnection write = RawConnection.post(vertx, server.port, "/body", "x".repeat(1000));
    Await.until("the refused write's connection is closed by the node", 5_000, write::isClosed);
    assertThat(write.received()).as("a refused body is not read: its connection closes, the answer arrives")
        .startsWith("HTTP/1.1 429").containsIgnoringCase("connection: close").contains("1 at once, 1 waiting");

    assertThat(server.registry.get("consolidb.http.bulkhead.rejected").tags("class", "searches", "reason", "full")
        .counter().count()).as("the two refusals, counted").isEqualTo(2.0);
    assertThat(server.registry.get("consolidb.http.bulkhead.in_flight").tags("class", "searches").gauge().value())
        .isEqualTo(1.0);

    server.finishOne();
    assertThat(first.await(5, TimeUnit.SECONDS).status()).isEqualTo(200);
    Await.until("the queued request is admitted", 5_000, () -> server.held.size() == 1);
    assertThat(server.queued()).isZero();
    assertThat(server.inFlight()).as("the admitted one holds the permit").isEqualTo(1);
    server.finishOne();
    assertThat(second.await(5, TimeUnit.SECONDS).status()).isEqualTo(200);
    Await.until("every permit is back", 5_000, () -> server.inFlight() == 0);

    server.closeBulkhead();
    assertThat(server.registry.find("consolidb.http.bulkhead.in_flight").gauge()).as("meters dropped on close").isNull();
    assertThat(server.registry.find("consolidb.http.bulkhead.rejected").counter()).isNull();
  }

  @Test
  @DisplayName("a request that waits longer than the bound gets 429, and leaves the queue")
  void queuedRequest_waitingTooLong_isRejected() throws Exception {
    get("/held");
    Await.until("the first request is in flight", 5_000, () -> server.held.size() == 1);
    long started = System.nanoTime();
    Answer waited = get("/held").await(5, TimeUnit.SECONDS);
    long tookMs = (System.nanoTime() - started) / 1_000_000;
    assertThat(waited.status()).isEqualTo(429);
    assertThat(waited.retryAfter()).isEqualTo("1");
    assertThat(waited.problem().getString("detail")).contains("stayed busy for " + WAIT_MS + " ms");
    assertThat(tookMs).as("it waited the bound, not much longer").isBetween((long) WAIT_MS - 50, 5_000L);
    assertThat(server.queued()).isZero();
    assertThat(server.inFlight()).isEqualTo(1);
  }

  @Test
  @DisplayName("a client that hangs up while waiting leaves the queue at once")
  void queuedRequest_clientCloses_leavesTheQueue() throws Exception {
    get("/held");
    Await.until("the first request is in flight", 5_000, () -> server.held.size() == 1);
    RawConnection waiting = RawConnection.get(vertx, server.port, "/held");
    Await.until("the second request waits", 5_000, () -> server.queued() == 1);
    waiting.close();
    Await.until("the queue is empty before the bound", WAIT_MS - 100, () -> server.queued() == 0);
    server.finishOne();
    Await.until("every permit is back", 5_000, () -> server.inFlight() == 0);
  }

  @Test
  @DisplayName("a client that hangs up keeps the permit until its work completes, then gives it back once")
  void inFlightRequest_clientCloses_permitBackWhenWorkEnds() throws Exception {
    RawConnection aborted = RawConnection.get(vertx, server.port, "/work");
    Await.until("the request is in flight", 5_000, () -> server.work.size() == 1);
    aborted.close();
    Thread.sleep(200); // the close reaches the server; the work still runs
    assertThat(server.inFlight()).as("the abandoned work still holds its permit").isEqualTo(1);
    assertThat(get("/work").await(5, TimeUnit.SECONDS).status()).as("no room meanwhile (waited, then 429)")
        .isEqualTo(429);
    Promise<Void> promise = server.work.poll();
    vertx.runOnContext(v -> promise.complete());
    Await.until("the permit is back", 5_000, () -> server.inFlight() == 0);

    // many more, each aborted: the class never leaks a permit
    for (int i = 0; i < 30; i++) {
      RawConnection next = RawConnection.get(vertx, server.port, "/work");
      Await.until("request " + i + " is in flight", 5_000, () -> server.work.size() == 1);
      next.close();
      Promise<Void> done = server.work.poll();
      vertx.runOnContext(v -> done.fail("the query failed"));
      Await.until("permit " + i + " is back", 5_000, () -> server.inFlight() == 0);
    }
    assertThat(server.queued()).isZero();
    get("/held");
    Await.until("the class serves again", 5_000, () -> server.held.size() == 1);
  }

  @Test
  @DisplayName("a handler that fails gives its permit back")
  void failingHandler_releasesPermit() throws Exception {
    for (int i = 0; i < 5; i++) {
      assertThat(get("/fail").await(5, TimeUnit.SECONDS).status()).isEqualTo(500);
    }
    assertThat(server.inFlight()).isZero();
  }

  @Test
  @DisplayName("a write that waited for room still has its body read")
  void queuedWrite_bodyIsReadAfterAdmission() throws Exception {
    get("/held");
    Await.until("the first request is in flight", 5_000, () -> server.held.size() == 1);
    RawConnection write = RawConnection.post(vertx, server.port, "/body", "x".repeat(50_000));
    Await.until("the write waits", 5_000, () -> server.queued() == 1);
    server.finishOne();
    Await.until("the admitted write is answered", 5_000, () -> write.received().endsWith("read 50000"));
    assertThat(write.received()).startsWith("HTTP/1.1 200");
    Await.until("every permit is back", 5_000, () -> server.inFlight() == 0);
  }

  @Test
  @DisplayName("a write that waited too long, its body still unsent, gets 429 and then its connection closed")
  void queuedWrite_expiredWithStalledBody_isAnsweredThenClosed() throws Exception {
    get("/held");
    Await.until("the first request is in flight", 5_000, () -> server.held.size() == 1);
    // announces 100,000 bytes, sends 10, then stalls: the node must not keep the connection for it
    RawConnection stalled = RawConnection.postPart(vertx, server.port, "/body", 100_000, "x".repeat(10));
    Await.until("the write waits", 5_000, () -> server.queued() == 1);
    Await.until("the expired write is answered", WAIT_MS + 5_000, () -> stalled.received().contains("stayed busy"));
    assertThat(stalled.received()).startsWith("HTTP/1.1 429").containsIgnoringCase("connection: close");
    assertThat(stalled.isClosed()).as("the node reads what is still coming for a while first").isFalse();
    Await.until("closed once the lingering bound passed", (int) UnreadBody.LINGER_MS + 5_000, stalled::isClosed);
    assertThat(server.queued()).isZero();
    assertThat(server.inFlight()).isEqualTo(1);
  }

  record Answer(int status, String retryAfter, String contentType, String body, String connection) {
    JsonObject problem() {
      return new JsonObject(body);
    }
  }

  /**
   * A GET through the JDK's HTTP/1.1 client. Vert.x 5.0.7's HttpClient, reusing a keep-alive
   * connection, now and then never completes a response the server answered at once (about 1 in
   * 1,000 sequential requests here; the server's end future had succeeded; the JDK client ran 5,000
   * without a miss): docs/TESTING.md "Known flakes".
   */
  private Future<Answer> get(String uri) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port + uri))
        .timeout(Duration.ofSeconds(10)).GET().build();
    return Future.fromCompletionStage(jdk.sendAsync(request, BodyHandlers.ofString())).map(response -> new Answer(
        response.statusCode(), response.headers().firstValue("Retry-After").orElse(null),
        response.headers().firstValue("Content-Type").orElse(null), response.body(),
        response.headers().firstValue("Connection").orElse(null)));
  }
}
