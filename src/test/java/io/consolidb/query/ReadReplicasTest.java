package io.consolidb.query;

import static io.consolidb.query.QueryTestKit.assertFailsWith;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consolidb.Addresses;
import io.consolidb.FailureCodes;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.ReplicaCluster;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Read routing on the real streaming replica of {@code REPLICA=1 scripts/services.sh up}: the test
 * database as the replica replays it. Replay is paused and the replica stopped through the
 * cluster's own tools, as an operator would; every test leaves it running and replaying.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("read replicas")
class ReadReplicasTest {

  /** Short, so a paused replica is skipped quickly: the tests stay fast. */
  private static final int MAX_LAG_MS = 300;
  private static final String WHERE = "SELECT pg_is_in_recovery() AS replica";

  private QueryTestKit.TestSchema schema;
  private ConsolidbNode node;

  @BeforeEach
  void deploy(Vertx vertx) {
    resumeReplay(); // whatever an interrupted run left
    node = QueryTestKit.deploy(vertx, QueryTestKit.config(new JsonObject().put("replicas", new JsonObject()
        .put("urls", TestServices.readDatabaseUrl()).put("maxLagMs", MAX_LAG_MS).put("pollMs", 20))));
    schema = new QueryTestKit.TestSchema(vertx);
    schema.exec("CREATE TABLE " + schema.table("notes") + " (id int PRIMARY KEY, body text)");
    awaitReplicaStatus(vertx, "up");
  }

  @AfterEach
  void cleanUp() {
    resumeReplay();
    schema.drop();
  }

  @Test
  @DisplayName("plain reads and lookups run on the replica (its own pg_stat_activity shows them); writes on the primary")
  void readsReachTheReplica(Vertx vertx) {
    String marker = "marker_" + System.nanoTime();
    for (int i = 0; i < 20; i++) {
      assertThat(ranOnReplica(vertx, read(WHERE))).as("read %d on the replica", i).isTrue();
      assertThat(ranOnReplica(vertx, read(WHERE).put("lookup", true))).as("lookup %d on the replica", i).isTrue();
    }
    assertThat(ranOnReplica(vertx, read(WHERE + ", '" + marker + "' AS marker"))).isTrue();
    assertThat(replicaActivity(vertx)).as("statements the replica's own backends last ran").anySatisfy(
        statement -> assertThat(statement).contains(marker));

    JsonObject write = query(vertx, new JsonObject().put("sql", WHERE).put("readOnly", false));
    assertThat(write.getJsonArray("rows").getJsonObject(0).getBoolean("replica")).as("a write on the replica").isFalse();
    assertThat(write.getString("lsn")).as("the write's LSN").matches("[0-9A-F]+/[0-9A-F]+");

    JsonObject tx = Await.result(QueryTestKit.send(vertx, Addresses.DB_TX, new JsonObject().put("statements",
        JsonArray.of(new JsonObject().put("sql", WHERE)))));
    assertThat(tx.getJsonArray("results").getJsonObject(0).getJsonArray("rows").getJsonObject(0)
        .getBoolean("replica")).as("a transaction on the replica").isFalse();
    assertThat(tx.getString("lsn")).as("the transaction's LSN").matches("[0-9A-F]+/[0-9A-F]+");

    // a write that fails answers its failure (the LSN read behind it changes nothing), and frees its connection
    write(vertx, 7);
    assertFailsWith(FailureCodes.CONFLICT, () -> write(vertx, 7));
    assertThat(poolState(vertx).getInteger("active")).isZero();

    JsonObject replica = poolState(vertx).getJsonArray("replicas").getJsonObject(0);
    assertThat(replica.getString("name")).doesNotContain("@").contains(":");
    assertThat(replica.encode()).doesNotContain(TestServices.pgConnectOptions().getPassword() + "@");
  }

  @Test
  @DisplayName("a read that fills the cache (a cache part, or primary from the node's own cache) runs on the primary")
  void cacheFillsRunOnThePrimary(Vertx vertx) {
    for (int i = 0; i < 10; i++) {
      assertThat(ranOnReplica(vertx, read(WHERE).put("primary", true))).as("read %d marked primary", i).isFalse();
      JsonObject cache = new JsonObject().put("ttlSeconds", 60).put("key", "replica-fill:" + System.nanoTime());
      assertThat(ranOnReplica(vertx, read(WHERE).put("cache", cache))).as("cached read %d", i).isFalse();
    }
    assertThat(ranOnReplica(vertx, read(WHERE))).as("and a plain read still on the replica").isTrue();
  }

  @Test
  @DisplayName("replay paused: reads go to the primary once the lag exceeds the bound, and come back after resume")
  void pausedReplayFallsBackAndReturns(Vertx vertx) {
    pauseReplay();
    write(vertx, 1); // WAL the replica does not replay
    long paused = System.nanoTime();
    Await.until("reads on the primary while replay is paused", 5_000, () -> !ranOnReplica(vertx, read(WHERE)));
    long fellBackMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - paused);
    assertThat(fellBackMs).as("ms until reads left the paused replica").isGreaterThanOrEqualTo(MAX_LAG_MS - 50);
    assertThat(poolState(vertx).getJsonArray("replicas").getJsonObject(0).getString("status")).isEqualTo("lagging");
    for (int i = 0; i < 10; i++) {
      assertThat(ranOnReplica(vertx, read(WHERE))).as("read %d while lagging", i).isFalse();
    }

    resumeReplay();
    Await.until("reads back on the replica after resume", 5_000, () -> ranOnReplica(vertx, read(WHERE)));
    assertThat(poolState(vertx).getJsonArray("replicas").getJsonObject(0).getString("status")).isEqualTo("up");
  }

  @Test
  @DisplayName("a read carrying a write's LSN always sees the write, replay paused or not")
  void readYourWrites(Vertx vertx) {
    int rounds = 0;
    int onReplica = 0;
    int onPrimary = 0;
    for (int id = 1; id <= 150; id++) {
      if (id == 101) {
        pauseReplay();
      }
      String lsn = write(vertx, id);
      rounds++;
      // the same read again until the replica serves it (replay running) or 20 times: each must see it
      for (int attempt = 0; attempt < 20; attempt++) {
        JsonObject read = read("SELECT count(*)::int AS n, pg_is_in_recovery() AS replica FROM "
            + schema.table("notes") + " WHERE id = $1").put("params", JsonArray.of(id));
        JsonObject row = (attempt % 2 == 0 ? query(vertx, read.put("minLsn", lsn)) : queryWithHeader(vertx, read, lsn))
            .getJsonArray("rows").getJsonObject(0);
        assertThat(row.getInteger("n")).as("row %d read with LSN %s (on the replica: %s)", id, lsn,
            row.getBoolean("replica")).isEqualTo(1);
        if (row.getBoolean("replica")) {
          onReplica++;
          break;
        }
        onPrimary++;
        if (id > 100) {
          break; // paused: the replica will not get there
        }
        pause(10); // a test's wait for the next poll; the routing itself never waits
      }
    }
    System.out.printf("read-your-writes: %d writes, reads with their LSN served by the replica %d, by the primary %d%n",
        rounds, onReplica, onPrimary);
    assertThat(onReplica).as("reads the replica served once it had replayed the write").isGreaterThan(50);
  }

  @Test
  @DisplayName("an in-process transaction run on a request's context gives the request its commit's LSN,"
      + " and a read with it sees the write; a run that fails gives none")
  void inProcessTransactionAnswersItsLsn(Vertx vertx) {
    ContextInternal request = ((ContextInternal) vertx.getOrCreateContext()).duplicate();
    ReadYourWrites.Positions positions = onContext(request, () -> ReadYourWrites.bind(request, null));
    Transactions transactions = node.transactions();
    onContext(request, () -> transactions.run(tx -> tx.query("INSERT INTO " + schema.table("notes")
        + " (id, body) VALUES (41, 'in a transaction')", null)).toCompletionStage().toCompletableFuture());
    String lsn = positions.written();
    assertThat(lsn).as("the commit's LSN on the request").matches("[0-9A-F]+/[0-9A-F]+");
    JsonObject row = query(vertx, read("SELECT count(*)::int AS n FROM " + schema.table("notes") + " WHERE id = 41")
        .put("minLsn", lsn)).getJsonArray("rows").getJsonObject(0);
    assertThat(row.getInteger("n")).as("read with the transaction's LSN").isEqualTo(1);

    ContextInternal failing = ((ContextInternal) vertx.getOrCreateContext()).duplicate();
    ReadYourWrites.Positions none = onContext(failing, () -> ReadYourWrites.bind(failing, null));
    assertThatThrownBy(() -> onContext(failing, () -> transactions.run(tx -> tx.query("INSERT INTO "
        + schema.table("notes") + " (id, body) VALUES (41, 'again')", null)).toCompletionStage().toCompletableFuture()))
        .hasMessageContaining("duplicate");
    assertThat(none.written()).as("a run that failed").isNull();
  }

  /** Runs {@code work} on {@code context} and waits for what it answers (a future's result, when it is one). */
  @SuppressWarnings("unchecked")
  private static <T> T onContext(ContextInternal context, java.util.function.Supplier<T> work) {
    java.util.concurrent.CompletableFuture<Object> answer = new java.util.concurrent.CompletableFuture<>();
    context.runOnContext(v -> {
      try {
        Object value = work.get();
        if (value instanceof java.util.concurrent.CompletableFuture<?> future) {
          future.whenComplete((result, failure) -> {
            if (failure != null) {
              answer.completeExceptionally(failure);
            } else {
              answer.complete(result);
            }
          });
        } else {
          answer.complete(value);
        }
      } catch (RuntimeException e) {
        answer.completeExceptionally(e);
      }
    });
    try {
      return (T) answer.get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  @DisplayName("an LSN that is not one answers 400 naming where it came from")
  void badLsnIsRefused(Vertx vertx) {
    assertFailsWith(FailureCodes.INVALID_INPUT, () -> query(vertx, read(WHERE).put("minLsn", "16B3748")))
        .hasMessageContaining("minLsn").hasMessageContaining("LSN");
    assertFailsWith(FailureCodes.INVALID_INPUT, () -> query(vertx, read(WHERE).put("minLsn", 42)))
        .hasMessageContaining("minLsn");
    assertFailsWith(FailureCodes.INVALID_INPUT, () -> queryWithHeader(vertx, read(WHERE), "0/xyz"))
        .hasMessageContaining("X-Consolidb-LSN");
    // a position the replica has not reached: the primary serves it, nothing fails
    assertThat(ranOnReplica(vertx, read(WHERE).put("minLsn", "FFFFFFFF/FFFFFFFF"))).isFalse();
  }

  @Test
  @DisplayName("the replica stopped under load: no read fails, and reads return to it once it is back")
  void replicaStoppedUnderLoad(Vertx vertx) throws Exception {
    AtomicInteger failed = new AtomicInteger();
    AtomicInteger succeeded = new AtomicInteger();
    AtomicInteger replicaServed = new AtomicInteger();
    AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    freshRestartPoint();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    List<Future<Void>> workers = new ArrayList<>();
    for (int w = 0; w < 8; w++) {
      workers.add(loop(vertx, end, failed, succeeded, replicaServed, firstFailure));
    }
    Thread.sleep(500);
    String[] cluster = TestServices.replicaSetting("TEST_REPLICA_PG_CLUSTER").split("/", 2);
    long stopping = System.nanoTime();
    long stoppedMs;
    long started;
    try {
      ReplicaCluster.run("pg_ctlcluster", cluster[0], cluster[1], "stop", "-m", "fast");
      stoppedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopping);
      Thread.sleep(1_000);
    } finally {
      started = System.nanoTime();
      ReplicaCluster.run("pg_ctlcluster", cluster[0], cluster[1], "start");
    }
    long startMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    Future.all(workers).await(20, TimeUnit.SECONDS);
    System.out.printf("replica stopped under load: %d reads, %d failed, %d on the replica"
        + " (pg_ctlcluster stop took %d ms, start %d ms)%n",
        succeeded.get() + failed.get(), failed.get(), replicaServed.get(), stoppedMs, startMs);
    assertThat(failed.get()).as("failed reads (first: %s)", firstFailure.get()).isZero();
    assertThat(succeeded.get()).isGreaterThan(100);
    awaitReplicaStatus(vertx, "up");
    Await.until("reads back on the restarted replica", 5_000, () -> ranOnReplica(vertx, read(WHERE)));
  }

  // ---- helpers

  /**
   * One closed-loop reader until {@code end}. Each read is sent from the previous one's callback
   * and the worker's future is completed once at the end: chaining the reads' futures instead
   * nested one per read, and completing 5,000 of them at once overflowed the stack.
   */
  private Future<Void> loop(Vertx vertx, long end, AtomicInteger failed, AtomicInteger succeeded,
      AtomicInteger replicaServed, AtomicReference<Throwable> firstFailure) {
    Promise<Void> finished = Promise.promise();
    next(vertx, end, failed, succeeded, replicaServed, firstFailure, finished);
    return finished.future();
  }

  private void next(Vertx vertx, long end, AtomicInteger failed, AtomicInteger succeeded,
      AtomicInteger replicaServed, AtomicReference<Throwable> firstFailure, Promise<Void> finished) {
    if (System.nanoTime() > end) {
      finished.complete();
      return;
    }
    QueryTestKit.send(vertx, Addresses.DB_QUERY, read(WHERE)).onComplete(done -> {
      if (done.succeeded()) {
        succeeded.incrementAndGet();
        if (done.result().getJsonArray("rows").getJsonObject(0).getBoolean("replica")) {
          replicaServed.incrementAndGet();
        }
      } else {
        failed.incrementAndGet();
        firstFailure.compareAndSet(null, done.cause());
      }
      next(vertx, end, failed, succeeded, replicaServed, firstFailure, finished);
    });
  }

  private static JsonObject read(String sql) {
    return new JsonObject().put("sql", sql).put("readOnly", true);
  }

  private static JsonObject query(Vertx vertx, JsonObject request) {
    return Await.result(QueryTestKit.send(vertx, Addresses.DB_QUERY, request));
  }

  private static JsonObject queryWithHeader(Vertx vertx, JsonObject request, String lsn) {
    return Await.result(vertx.eventBus().<JsonObject>request(Addresses.DB_QUERY, request,
            new DeliveryOptions().setSendTimeout(10_000).addHeader("x-consolidb-lsn", lsn))
        .recover(QueryClient::asServiceException).map(reply -> reply.body()));
  }

  private static boolean ranOnReplica(Vertx vertx, JsonObject request) {
    return query(vertx, request).getJsonArray("rows").getJsonObject(0).getBoolean("replica");
  }

  /** Inserts row {@code id}; its LSN. */
  private String write(Vertx vertx, int id) {
    JsonObject reply = query(vertx, new JsonObject().put("sql", "INSERT INTO " + schema.table("notes")
        + " (id, body) VALUES ($1, 'note')").put("params", JsonArray.of(id)));
    return reply.getString("lsn");
  }

  private static JsonObject poolState(Vertx vertx) {
    return QueryTestKit.poolState(vertx);
  }

  private static void awaitReplicaStatus(Vertx vertx, String status) {
    Await.until("the replica " + status, 10_000, () -> status.equals(
        poolState(vertx).getJsonArray("replicas").getJsonObject(0).getString("status")));
  }

  /** The last statement of each of the node's backends on the replica, as the replica's pg_stat_activity shows them. */
  private static List<String> replicaActivity(Vertx vertx) {
    PgConnectOptions options = PgConnectOptions.fromUri(TestServices.readDatabaseUrl());
    PgConnection conn = Await.result(PgConnection.connect(vertx, options));
    try {
      List<String> statements = new ArrayList<>();
      Await.result(conn.query("SELECT query FROM pg_stat_activity WHERE datname = current_database()"
          + " AND application_name = 'consolidb' AND pid <> pg_backend_pid()").execute())
          .forEach(row -> statements.add(row.getString(0)));
      return statements;
    } finally {
      Await.result(conn.close());
    }
  }

  /**
   * A restartpoint on the replica near the primary's present position. Why: a standby restarts by
   * replaying WAL from its last restartpoint, which only follows the primary's checkpoints; after a
   * busy stretch (the suite, or another build on the same cluster) that was hundreds of MB and
   * over a minute of replay, longer than the test's own timeout.
   */
  private static void freshRestartPoint() {
    primarySuperuser("CHECKPOINT");
    String primaryAt = primarySuperuser("SELECT pg_current_wal_lsn()").trim();
    Await.until("the replica replayed the primary's checkpoint", 30_000, () -> ReplicaCluster.superuser(
        "SELECT pg_last_wal_replay_lsn() >= '" + primaryAt + "'::pg_lsn").trim().equals("t"));
    ReplicaCluster.superuser("CHECKPOINT");
  }

  private static String primarySuperuser(String sql) {
    return ReplicaCluster.run("runuser", "-u", "postgres", "--", "psql", "--cluster",
        TestServices.replicaSetting("PG_CLUSTER"), "-X", "-q", "-At", "-d", "postgres", "-c", sql);
  }

  private static void pauseReplay() {
    ReplicaCluster.superuser("SELECT pg_wal_replay_pause()");
  }

  private static void resumeReplay() {
    ReplicaCluster.superuser("SELECT pg_wal_replay_resume()");
  }

  private static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
