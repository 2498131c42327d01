package io.consolidb.query;

import static io.consolidb.query.QueryTestKit.assertFailsWith;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consolidb.FailureCodes;
import io.consolidb.cache.CacheSpec;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.query.TxOptions.Isolation;
import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.TestNodes;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.serviceproxy.ServiceException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@ExtendWith(VertxExtension.class)
@DisplayName("Transactions.run (transactions as code on the node)")
class InProcessTransactionsTest {

  private static final Logger LOG = LoggerFactory.getLogger(InProcessTransactionsTest.class);
  private static final int POOL = 8;

  private QueryTestKit.TestSchema schema;
  private String counters;
  private Vertx vertx;
  private ConsolidbNode node;
  private Transactions transactions;

  @BeforeEach
  void deploy(Vertx vertx) {
    this.vertx = vertx;
    schema = new QueryTestKit.TestSchema(vertx);
    counters = schema.table("counters");
    schema.exec("CREATE TABLE " + counters + " (id int PRIMARY KEY, n int NOT NULL);"
        + " INSERT INTO " + counters + " VALUES (1, 0)");
    JsonObject config = QueryTestKit.config(QueryTestKit.pool(POOL));
    config.put("redis", new JsonObject().put("enabled", false).put("url", TestServices.redisUrl()));
    config.put("cache", new JsonObject().put("enabled", true).put("ttlSeconds", 60)
        .put("keyPrefix", "consolidb-test:" + schema.name() + ":"));
    node = TestNodes.deploy(vertx, config, Component.CACHE, Component.QUERY);
    transactions = node.transactions();
  }

  @AfterEach
  void dropSchema() {
    schema.drop();
  }

  @Test
  @DisplayName("8 workers × 25 read-modify-write increments of one row under SERIALIZABLE with retries lose no update")
  void serializableRetriesLoseNothing() {
    int workers = 8;
    int increments = 25;
    AtomicInteger attempts = new AtomicInteger();
    TxOptions options = TxOptions.defaults().withIsolation(Isolation.SERIALIZABLE).withRetries(TxOptions.MAX_RETRIES)
        .withOperation("counter.increment");
    long started = System.nanoTime();

    Await.result(Future.all(runWorkers(workers, increments, () -> transactions.run(options, tx -> {
      attempts.incrementAndGet();
      return increment(tx);
    }).recover(failure -> Future.failedFuture(new AssertionError("an increment failed: " + failure, failure))))));

    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    int retries = attempts.get() - workers * increments;
    LOG.info("{} increments by {} workers under SERIALIZABLE: {} retries, {} ms", workers * increments, workers,
        retries, elapsedMs);
    assertThat(counter()).as("the counter after %d committed increments", workers * increments)
        .isEqualTo(workers * increments);
    assertThat(retries).as("serialization failures retried (the workers overlapped)").isPositive();
    awaitPoolIdle();
  }

  @Test
  @DisplayName("without retries, overlapping SERIALIZABLE increments fail with 409 and the rest all count")
  void withoutRetriesConflictsFail() {
    AtomicInteger committed = new AtomicInteger();
    AtomicInteger conflicts = new AtomicInteger();
    AtomicInteger other = new AtomicInteger();
    TxOptions options = TxOptions.defaults().withIsolation(Isolation.SERIALIZABLE);

    Await.result(Future.all(runWorkers(4, 10, () -> transactions.run(options, this::increment)
        .transform(done -> {
          if (done.succeeded()) {
            committed.incrementAndGet();
          } else if (done.cause() instanceof ServiceException e && e.failureCode() == FailureCodes.CONFLICT) {
            conflicts.incrementAndGet();
          } else {
            other.incrementAndGet();
          }
          return Future.succeededFuture();
        }))));

    LOG.info("40 SERIALIZABLE increments without retries: {} committed, {} failed with 409", committed.get(),
        conflicts.get());
    assertThat(other.get()).as("failures other than 409").isZero();
    assertThat(conflicts.get()).as("increments refused with 409 (the workers overlapped)").isPositive();
    assertThat(counter()).as("every committed increment, and nothing of the refused ones").isEqualTo(committed.get());
  }

  @Test
  @DisplayName("a function that never completes fails with 504 at its timeout, its write rolled back and its connection freed")
  void neverCompletingFunctionTimesOut() {
    long started = System.nanoTime();
    assertFailsWith(FailureCodes.TIMED_OUT, () -> Await.result(transactions.run(
        TxOptions.defaults().withTimeoutMs(500),
        tx -> tx.query("INSERT INTO " + counters + " VALUES (2, 2)", null)
            .compose(inserted -> Promise.<Void>promise().future()))));
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

    assertThat(elapsedMs).as("answered at the timeout, not at the function's end (never)").isLessThan(3_000);
    long freedMs = awaitPoolIdle();
    LOG.info("never-completing function: 504 after {} ms, connection freed {} ms later", elapsedMs, freedMs);
    assertThat(rows(2)).as("the timed-out transaction's insert").isZero();
  }

  @Test
  @DisplayName("a statement still running at the timeout is cancelled: 504, its transaction's write rolled back, its connection freed")
  void runningStatementAtTimeoutIsCancelled() {
    long started = System.nanoTime();
    assertFailsWith(FailureCodes.TIMED_OUT, () -> Await.result(transactions.run(
        TxOptions.defaults().withTimeoutMs(500),
        tx -> tx.query("INSERT INTO " + counters + " VALUES (6, 6)", null)
            .compose(inserted -> tx.query("SELECT pg_sleep(10)", null)))));
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

    assertThat(elapsedMs).as("answered at the timeout, not after the 10 s sleep").isLessThan(3_000);
    long freedMs = awaitPoolIdle();
    LOG.info("statement running at the deadline: 504 after {} ms, connection freed {} ms later", elapsedMs, freedMs);
    assertThat(rows(6)).as("the timed-out transaction's insert").isZero();
  }

  @Test
  @DisplayName("a function that completes after its timeout commits nothing")
  void lateFunctionCommitsNothing() {
    assertFailsWith(FailureCodes.TIMED_OUT, () -> Await.result(transactions.run(
        TxOptions.defaults().withTimeoutMs(300),
        tx -> tx.query("INSERT INTO " + counters + " VALUES (3, 3)", null)
            .compose(inserted -> Future.future(p -> vertx.setTimer(800, id -> p.complete("late")))))));

    awaitPoolIdle();
    sleep(1_000); // past the function's completion (800 ms): had it committed, the row would be there now
    assertThat(rows(3)).as("the late function's insert").isZero();
  }

  @Test
  @DisplayName("a failed function rolls back and its own failure reaches the caller unchanged")
  void failedFunctionRollsBack() {
    IllegalStateException refusal = new IllegalStateException("not enough stock");

    assertThatThrownBy(() -> Await.result(transactions.run(tx ->
        tx.query("INSERT INTO " + counters + " VALUES (4, 4)", null)
            .compose(inserted -> Future.failedFuture(refusal)))))
        .isSameAs(refusal);

    assertThat(rows(4)).isZero();
    awaitPoolIdle();
  }

  @Test
  @DisplayName("a failed statement the function swallows still rolls the transaction back, with the statement's 409")
  void swallowedStatementFailureRollsBack() {
    assertFailsWith(FailureCodes.CONFLICT, () -> Await.result(transactions.run(tx ->
        tx.query("INSERT INTO " + counters + " VALUES (5, 5)", null)
            .compose(inserted -> tx.query("INSERT INTO " + counters + " VALUES (1, 1)", null)) // duplicate key
            .recover(ignored -> Future.succeededFuture()))))
        .hasMessageContaining("23505");

    assertThat(rows(5)).as("the insert before the failed statement").isZero();
  }

  @Test
  @DisplayName("rollbackTo a savepoint undoes what followed it, keeps what preceded it, and revives the transaction")
  void savepointKeepsEarlierWrites() {
    Await.result(transactions.run(tx ->
        tx.query("INSERT INTO " + counters + " VALUES ($1, 0)", new JsonArray().add(10))
            .compose(v -> tx.savepoint("before_batch"))
            .compose(v -> tx.query("INSERT INTO " + counters + " VALUES (:id, 0)", new JsonObject().put("id", 11)))
            .compose(v -> tx.query("INSERT INTO " + counters + " VALUES (10, 0)", null)) // duplicate: aborts
            .recover(conflict -> tx.rollbackTo("before_batch").map((QueryResult) null))
            .compose(v -> tx.query("INSERT INTO " + counters + " VALUES (12, 0)", null))));

    assertThat(rows(10)).as("written before the savepoint").isOne();
    assertThat(rows(11)).as("written after the savepoint, rolled back to it").isZero();
    assertThat(rows(12)).as("written after the rollback to the savepoint").isOne();
    assertFailsWith(FailureCodes.INVALID_INPUT, () -> Await.result(transactions.run(tx -> tx.savepoint("x; DROP"))))
        .hasMessageContaining("savepoint name");
  }

  @Test
  @DisplayName("invalidations run after a commit, and not after a rollback")
  void invalidatesAfterCommitOnly() {
    QueryClient client = new QueryClient(vertx, 5_000, node.cache());
    CacheSpec spec = new CacheSpec(60, "tx-test:counter", List.of("counters"));
    String sql = "SELECT n FROM " + counters + " WHERE id = 1";
    Await.result(client.readCached("counter.get", sql, null, spec));
    assertThat(node.cache().peekLocal("tx-test:counter")).as("cached before the transactions").isNotNull();

    assertThatThrownBy(() -> Await.result(transactions.run(tx -> {
      tx.invalidateTags("counters");
      return tx.query("UPDATE " + counters + " SET n = 99 WHERE id = 1", null)
          .compose(updated -> Future.failedFuture(new IllegalStateException("changed my mind")));
    }))).hasMessage("changed my mind");
    assertThat(node.cache().peekLocal("tx-test:counter")).as("still cached after a rollback").isNotNull();

    Await.result(transactions.run(tx -> {
      tx.invalidateTags("counters");
      return tx.query("UPDATE " + counters + " SET n = 42 WHERE id = 1", null);
    }));
    assertThat(node.cache().peekLocal("tx-test:counter")).as("dropped once the run has completed").isNull();
    assertThat(Await.result(client.readCached("counter.get", sql, null, spec)).firstRow().getInteger("n"))
        .isEqualTo(42);
  }

  @Test
  @DisplayName("a read-only transaction refuses a write with 400 (25006)")
  void readOnlyRefusesWrites() {
    assertFailsWith(FailureCodes.INVALID_INPUT, () -> Await.result(transactions.run(
        TxOptions.defaults().withReadOnly(true).withIsolation(Isolation.REPEATABLE_READ),
        tx -> tx.query("UPDATE " + counters + " SET n = 7 WHERE id = 1", null))))
        .hasMessageContaining("25006");
    assertThat(counter()).isZero();
  }

  @Test
  @DisplayName("without a running query verticle a run fails with 503")
  void notRunningIsUnavailable() {
    assertFailsWith(FailureCodes.UNAVAILABLE,
        () -> Await.result(new QueryEndpoint(null).transactions().run(tx -> Future.succeededFuture())));
  }

  /** Reads the counter, waits a moment (the "decide" step, which makes the workers overlap), writes it + 1. */
  private Future<QueryResult> increment(TxContext tx) {
    return tx.query("SELECT n FROM " + counters + " WHERE id = 1", null)
        .compose(read -> Future.<Integer>future(p -> vertx.setTimer(2, id -> p.complete(read.firstRow().getInteger("n")))))
        .compose(n -> tx.query("UPDATE " + counters + " SET n = $1 WHERE id = 1", new JsonArray().add(n + 1)));
  }

  /** {@code workers} chains running {@code increments} increments each, one after the other. */
  private List<Future<?>> runWorkers(int workers, int increments, java.util.function.Supplier<Future<?>> one) {
    List<Future<?>> chains = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      Future<?> chain = Future.succeededFuture();
      for (int i = 0; i < increments; i++) {
        chain = chain.compose(v -> one.get());
      }
      chains.add(chain);
    }
    return chains;
  }

  private long awaitPoolIdle() {
    long started = System.nanoTime();
    Await.until("no pooled connection in use", 5_000, () -> QueryTestKit.poolState(vertx).getInteger("active") == 0);
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
  }

  private int counter() {
    return schema.exec("SELECT n FROM " + counters + " WHERE id = 1").getInteger("n");
  }

  private long rows(int id) {
    return schema.exec("SELECT count(*) AS c FROM " + counters + " WHERE id = " + id).getLong("c");
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
