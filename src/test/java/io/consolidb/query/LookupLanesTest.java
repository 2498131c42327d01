package io.consolidb.query;

import static io.consolidb.query.QueryTestKit.assertFailsWith;
import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.Addresses;
import io.consolidb.FailureCodes;
import io.consolidb.config.NodeSettings;
import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.TcpProxy;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgConnectOptions;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link LookupLanes}: the node's own lookups run on their caller's event loop, share the query
 * verticle's circuit breaker, and close with it; everything else still runs on the verticle.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Lookups on their caller's event loop (lookup lanes)")
class LookupLanesTest {

  private Vertx vertx;
  private TcpProxy proxy;
  private QueryEndpoint endpoint;
  private String deployment;
  private QueryClient queries;
  private final AtomicInteger messages = new AtomicInteger();

  @BeforeEach
  void deploy(Vertx vertx) throws Exception {
    this.vertx = vertx;
    PgConnectOptions pg = TestServices.pgConnectOptions();
    proxy = TcpProxy.start(vertx, pg.getHost(), pg.getPort()).await(30, TimeUnit.SECONDS);
    NodeSettings settings = NodeSettings.fromJson(QueryTestKit.config(QueryTimeoutTest.proxiedUrl(pg, proxy),
        new JsonObject().put("pool", new JsonObject().put("size", 2).put("pipelined", 1))
            .put("breaker", new JsonObject().put("failures", 3).put("openMs", 1000))));
    endpoint = new QueryEndpoint(null);
    deployment = Await.result(
        vertx.deployVerticle(new QueryVerticle(settings.database(), QueryMetrics.NONE, endpoint)));
    queries = new QueryClient(vertx, 5_000, null, endpoint);
    vertx.eventBus().addOutboundInterceptor(delivery -> {
      if (Addresses.DB_QUERY.equals(delivery.message().address())) {
        messages.incrementAndGet();
      }
      delivery.next();
    });
  }

  @AfterEach
  void close() throws Exception {
    proxy.close().await(30, TimeUnit.SECONDS);
  }

  /** A context on an event loop other than the query verticle's (and other than {@code not}). */
  private ContextInternal callerOnAnotherLoop(ContextInternal... not) {
    for (int i = 0; i < 64; i++) {
      io.netty.channel.EventLoop loop = ((VertxInternal) vertx).nettyEventLoopGroup().next();
      boolean taken = loop == endpoint.servingContext().nettyEventLoop();
      for (ContextInternal other : not) {
        taken |= loop == other.nettyEventLoop();
      }
      if (!taken) {
        return ((VertxInternal) vertx).contextBuilder().withEventLoop(loop).build();
      }
    }
    throw new IllegalStateException("no free event loop");
  }

  private static <T> Future<T> on(ContextInternal context, Supplier<Future<T>> call) {
    Promise<T> answer = Promise.promise();
    context.runOnContext(v -> call.get().onComplete(answer));
    return answer.future();
  }

  private Future<QueryResult> lookup(ContextInternal caller, int id) {
    return on(caller, () -> queries.lookup("test", "SELECT $1::int AS id", JsonArray.of(id)));
  }

  private int lanes() {
    return QueryTestKit.poolState(vertx).getInteger("lookup_lanes");
  }

  @Test
  @DisplayName("a lookup does not wait for the query verticle's event loop; a plain read does")
  void lookup_doesNotWaitForTheVerticle() {
    ContextInternal caller = callerOnAnotherLoop();
    assertThat(Await.result(lookup(caller, 1)).firstRow().getInteger("id")).isEqualTo(1); // the lane's connection
    Promise<Void> frozen = Promise.promise();
    endpoint.servingContext().runOnContext(v -> {
      frozen.complete();
      sleep(1500); // the verticle's event loop is stuck in a long task
    });
    Await.result(frozen.future());
    long started = System.nanoTime();
    Future<QueryResult> read = on(caller, () -> queries.read("test", "SELECT 2 AS id", null));
    assertThat(Await.result(lookup(caller, 3)).firstRow().getInteger("id")).isEqualTo(3);
    long lookupMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertThat(Await.result(read).firstRow().getInteger("id")).isEqualTo(2);
    long readMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertThat(lookupMs).as("the lookup, ms").isLessThan(1000);
    assertThat(readMs).as("the plain read waited for the verticle, ms").isGreaterThanOrEqualTo(1000);
    assertThat(messages.get()).as("messages to the query verticle").isZero();
  }

  @Test
  @DisplayName("one lane per calling event loop; none for the verticle's loop, another Vert.x or a non-lookup")
  void oneLanePerEventLoop() {
    assertThat(lanes()).isZero();
    ContextInternal first = callerOnAnotherLoop();
    ContextInternal second = callerOnAnotherLoop(first);
    Await.result(lookup(first, 1));
    Await.result(lookup(first, 2));
    assertThat(lanes()).isOne();
    Await.result(lookup(second, 3));
    assertThat(lanes()).isEqualTo(2);
    ContextInternal home = callerOnAnotherLoop();
    ContextInternal onVerticlesLoop = endpoint.servingContext().duplicate();
    assertThat(Await.result(on(onVerticlesLoop, () -> queries.lookup("test", "SELECT 4 AS id", null)))
        .firstRow().getInteger("id")).isEqualTo(4);
    assertThat(Await.result(on(home, () -> queries.read("test", "SELECT 5 AS id", null)))
        .firstRow().getInteger("id")).isEqualTo(5);
    // a malformed flag is not a lookup for a lane: the verticle answers its 400
    assertFailsWith(FailureCodes.INVALID_INPUT, () -> Await.result(on(first, () -> queries.query(new JsonObject()
        .put("sql", "SELECT 1").put("lookup", true).put("readOnly", "yes")))))
        .hasMessageContaining("readOnly");
    assertThat(lanes()).isEqualTo(2);
    // a caller on another Vert.x of the process gets no lane (its loops are not the node's)
    Vertx other = Vertx.vertx();
    try {
      ContextInternal foreign = (ContextInternal) other.getOrCreateContext();
      assertThat(Await.result(on(foreign, () -> queries.lookup("test", "SELECT 6 AS id", null)))
          .firstRow().getInteger("id")).isEqualTo(6);
    } finally {
      Await.result(other.close());
    }
    assertThat(lanes()).isEqualTo(2);
    assertThat(messages.get()).isZero();
  }

  @Test
  @DisplayName("lanes' failures to reach the database open the shared breaker; its refusal and recovery reach them")
  void lanes_shareTheBreaker() throws Exception {
    ContextInternal caller = callerOnAnotherLoop();
    Await.result(lookup(caller, 1));
    proxy.refuse().await(30, TimeUnit.SECONDS);
    proxy.dropConnections();
    Await.until("the breaker opened on the lane's failures", 20_000, () -> {
      Throwable failed = failure(lookup(caller, 2));
      return failed.getMessage().contains("circuit breaker open");
    });
    JsonObject breaker = QueryTestKit.poolState(vertx).getJsonObject("breaker");
    assertThat(breaker.getString("state")).isIn("open", "half_open");
    assertThat(breaker.getLong("openings")).isOne();
    assertFailsWith(FailureCodes.UNAVAILABLE, () -> Await.result(lookup(caller, 3)))
        .hasMessageContaining("circuit breaker open");
    proxy.accept().await(30, TimeUnit.SECONDS);
    Await.until("the trial closed the breaker and the lane answers", 20_000,
        () -> failure(lookup(caller, 4)) == null);
    assertThat(QueryTestKit.poolState(vertx).getJsonObject("breaker").getString("state")).isEqualTo("closed");
  }

  @Test
  @DisplayName("once the verticle is undeployed its lanes are closed and a lookup answers 503 over the event bus")
  void undeployed_lanesClosed() {
    ContextInternal caller = callerOnAnotherLoop();
    Await.result(lookup(caller, 1));
    assertThat(lanes()).isOne();
    int connections = proxy.openConnections();
    Await.result(vertx.undeploy(deployment));
    Await.until("every connection closed", 10_000, () -> proxy.openConnections() == 0);
    assertThat(connections).as("the lane's connection was open before").isPositive();
    assertFailsWith(FailureCodes.UNAVAILABLE, () -> Await.result(lookup(caller, 2)))
        .hasMessageContaining("not running");
    assertThat(messages.get()).as("the fallback is the event bus").isEqualTo(1);
  }

  /** The failure of {@code future} once done, or null when it succeeded. */
  private static Throwable failure(Future<?> future) {
    try {
      Await.result(future);
      return null;
    } catch (RuntimeException failed) {
      return failed;
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
