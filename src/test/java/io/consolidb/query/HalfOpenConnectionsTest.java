package io.consolidb.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.testsupport.TcpProxy;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgConnectOptions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Half-open connections: {@link TcpProxy#halfOpen()} makes every connection open at that moment
 * silently drop its packets while new connections pass, as when PostgreSQL's host vanished behind
 * a firewall or a NAT entry expired. No FIN, no RST: only the application can notice.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("half-open connections")
class HalfOpenConnectionsTest {

  private static final long QUERY_TIMEOUT_MS = 1500;
  /** How late a deadline may fire, and a reconnect take, on a busy two-core machine. */
  private static final long SLACK_MS = 700;

  private TcpProxy proxy;

  private QueryClient deploy(Vertx vertx, int pooled, int pipelined, int validateIdleMs) throws Exception {
    PgConnectOptions pg = TestServices.pgConnectOptions();
    proxy = TcpProxy.start(vertx, pg.getHost(), pg.getPort()).await(30, TimeUnit.SECONDS);
    JsonObject database = new JsonObject().put("queryTimeoutMs", QUERY_TIMEOUT_MS)
        .put("pool", new JsonObject().put("size", pooled).put("pipelined", pipelined)
            .put("validateIdleMs", validateIdleMs).put("validationTimeoutMs", 400));
    QueryTestKit.deploy(vertx, QueryTestKit.config(QueryTimeoutTest.proxiedUrl(pg, proxy), database));
    return QueryTestKit.client(vertx);
  }

  @Test
  @DisplayName("a pooled connection idle past the bound is checked: a read after the drop answers in"
      + " about the check's timeout, not the query timeout")
  void idlePooledConnectionIsChecked(Vertx vertx) throws Exception {
    QueryClient client = deploy(vertx, 3, 0, 300);
    Future.all(List.of(sleep(client), sleep(client), sleep(client))).await(30, TimeUnit.SECONDS);
    assertThat(QueryTestKit.poolState(vertx).getInteger("size")).isEqualTo(3);
    vertx.timer(500).await(30, TimeUnit.SECONDS); // idle past validateIdleMs

    proxy.halfOpen();
    for (int i = 0; i < 5; i++) { // one at a time: each would meet a dead connection without the check
      long started = System.nanoTime();
      assertThat(client.read("after", "SELECT $1::int AS n", JsonArray.of(i)).await(30, TimeUnit.SECONDS)
          .firstRow().getInteger("n")).isEqualTo(i);
      assertThat(elapsedMs(started)).as("ms for read %d after the drop", i).isLessThan(QUERY_TIMEOUT_MS - 300);
    }
    assertThat(QueryTestKit.poolState(vertx).getInteger("active")).isZero();
  }

  @Test
  @DisplayName("idle pipelined lookup connections are replaced when nothing answers within the check's"
      + " timeout, and the lookup is retried on the new ones")
  void idleLookupConnectionsAreReplaced(Vertx vertx) throws Exception {
    QueryClient client = deploy(vertx, 1, 2, 300);
    client.lookup("warm", "SELECT 1", null).await(30, TimeUnit.SECONDS);
    vertx.timer(500).await(30, TimeUnit.SECONDS);

    proxy.halfOpen();
    long started = System.nanoTime();
    assertThat(client.lookup("after", "SELECT 7 AS n", null).await(30, TimeUnit.SECONDS)
        .firstRow().getInteger("n")).isEqualTo(7);
    assertThat(elapsedMs(started)).as("ms for the first lookup after the drop").isLessThan(QUERY_TIMEOUT_MS - 300);
  }

  @Test
  @DisplayName("under load on the pool: no read waits past the query timeout, and reads are normal"
      + " again within the query timeout + 1 s of the drop")
  void poolRecoversUnderLoad(Vertx vertx) throws Exception {
    QueryClient client = deploy(vertx, 4, 0, 1000);
    recoversUnderLoad(vertx, () -> client.read("load", "SELECT 1 AS one", null));
  }

  @Test
  @DisplayName("under load on the pipelined lookups: no lookup waits past the query timeout, and"
      + " lookups are normal again within the query timeout + 1 s of the drop")
  void lookupsRecoverUnderLoad(Vertx vertx) throws Exception {
    QueryClient client = deploy(vertx, 1, 2, 1000);
    recoversUnderLoad(vertx, () -> client.lookup("load", "SELECT 1 AS one", null));
  }

  private void recoversUnderLoad(Vertx vertx, Supplier<Future<QueryResult>> call) throws Exception {
    List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
    long dropAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(700);
    long endAt = dropAt + TimeUnit.MILLISECONDS.toNanos(QUERY_TIMEOUT_MS + 1000 + 1500);
    vertx.setTimer(700, id -> proxy.halfOpen());
    List<Future<Void>> workers = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Promise<Void> done = Promise.promise();
      vertx.runOnContext(v -> loop(call, samples, endAt, done));
      workers.add(done.future());
    }
    Future.all(workers).await(60, TimeUnit.SECONDS);

    long normalFrom = dropAt + TimeUnit.MILLISECONDS.toNanos(QUERY_TIMEOUT_MS + 1000);
    List<Sample> copy;
    synchronized (samples) {
      copy = List.copyOf(samples);
    }
    assertThat(copy.stream().filter(s -> s.started < dropAt && s.ok)).as("answers before the drop").isNotEmpty();
    assertThat(copy).allSatisfy(s -> assertThat(s.ms()).as("ms to an answer (%s)", s.outcome)
        .isLessThan(QUERY_TIMEOUT_MS + SLACK_MS));
    List<Sample> late = copy.stream().filter(s -> s.started >= normalFrom).toList();
    assertThat(late).as("requests sent from the query timeout + 1 s after the drop").hasSizeGreaterThan(20);
    assertThat(late).allSatisfy(s -> assertThat(s.ok).as("succeeded (%s)", s.outcome).isTrue());
  }

  private static void loop(Supplier<Future<QueryResult>> call, List<Sample> samples, long endAt, Promise<Void> done) {
    long started = System.nanoTime();
    if (started - endAt >= 0) {
      done.complete();
      return;
    }
    call.get().onComplete(answer -> {
      samples.add(new Sample(started, System.nanoTime(), answer.succeeded(),
          answer.succeeded() ? "ok" : answer.cause().toString()));
      loop(call, samples, endAt, done);
    });
  }

  private record Sample(long started, long ended, boolean ok, String outcome) {
    long ms() {
      return (ended - started) / 1_000_000;
    }
  }

  private static Future<QueryResult> sleep(QueryClient client) {
    return client.read("warm", "SELECT pg_sleep(0.05)", null);
  }

  private static long elapsedMs(long started) {
    return (System.nanoTime() - started) / 1_000_000;
  }
}
