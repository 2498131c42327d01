package io.consolidb.query;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.consolidb.FailureCodes;
import io.consolidb.config.DatabaseSettings;
import io.consolidb.config.NodeSettings;
import io.consolidb.testsupport.TcpProxy;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * What the query layer reports through {@link QueryMetrics} and its log for each outcome, against
 * the real PostgreSQL: the operation name, the failure code and message, the statement texts, and
 * the WARN lines an operator acts on (slow, timed out, an outage once and its end).
 */
class QueryObservationTest {

  /** One call of {@link QueryMetrics#record}. */
  record Recorded(String operation, long elapsedNanos, int code, String message, String normalized, String pgSql) {
  }

  private final Vertx vertx = Vertx.vertx();
  private final List<Recorded> recorded = new CopyOnWriteArrayList<>();
  private final QueryMetrics metrics = (operation, elapsed, code, message, normalized, pgSql) ->
      recorded.add(new Recorded(operation, elapsed, code, message, normalized.get(), pgSql));
  private final Logger logger = (Logger) LoggerFactory.getLogger(QueryExecutor.class);
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

  @BeforeEach
  void capture() {
    logged.start();
    logger.addAppender(logged);
  }

  @AfterEach
  void close() throws Exception {
    logger.detachAppender(logged);
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  private QueryClient deploy(JsonObject config) throws Exception {
    DatabaseSettings settings = NodeSettings.fromJson(config).database();
    vertx.deployVerticle(new QueryVerticle(settings, metrics, new QueryEndpoint(null))).await(30, TimeUnit.SECONDS);
    return new QueryClient(vertx, 10_000);
  }

  private List<String> warnings() {
    return List.copyOf(logged.list).stream().filter(e -> e.getLevel() == Level.WARN)
        .map(ILoggingEvent::getFormattedMessage).toList();
  }

  private Recorded last() {
    return recorded.get(recorded.size() - 1);
  }

  @Test
  @DisplayName("a statement records its operation (or unnamed), code 0, both texts; a transaction has no pgSql")
  void success_recordsTexts() throws Exception {
    QueryClient client = deploy(QueryTestKit.config(new JsonObject()));
    client.query(new JsonObject().put("operation", "op.answer").put("sql", "SELECT :n::int  +  1 AS n")
        .put("params", new JsonObject().put("n", 41))).await(30, TimeUnit.SECONDS);
    Recorded answer = last();
    assertThat(answer.operation()).isEqualTo("op.answer");
    assertThat(answer.code()).isZero();
    assertThat(answer.message()).isNull();
    assertThat(answer.normalized()).isEqualTo("SELECT :n::int + ? AS n");
    assertThat(answer.pgSql()).isEqualTo("SELECT $1::int  +  1 AS n");
    assertThat(answer.elapsedNanos()).isPositive();

    client.query(new JsonObject().put("sql", "SELECT 1")).await(30, TimeUnit.SECONDS);
    assertThat(last().operation()).isEqualTo(QueryMetrics.UNNAMED);

    client.transaction("op.tx", new JsonArray()
        .add(new JsonObject().put("sql", "SELECT 1"))
        .add(new JsonObject().put("sql", "SELECT  'x'")), null).await(30, TimeUnit.SECONDS);
    Recorded tx = last();
    assertThat(tx.operation()).isEqualTo("op.tx");
    assertThat(tx.code()).isZero();
    assertThat(tx.normalized()).isEqualTo("SELECT ?; SELECT ?");
    assertThat(tx.pgSql()).isNull();
    assertThat(warnings()).isEmpty();
  }

  @Test
  @DisplayName("a refused statement records its code and client-safe message and logs no WARN")
  void failure_recordsCodeAndMessage() throws Exception {
    QueryClient client = deploy(QueryTestKit.config(new JsonObject()));
    QueryTestKit.assertFailsWith(FailureCodes.INVALID_INPUT,
        () -> client.query(new JsonObject().put("sql", "SELEKT 1")).await(30, TimeUnit.SECONDS));
    assertThat(last().code()).isEqualTo(FailureCodes.INVALID_INPUT);
    assertThat(last().message()).isEqualTo("SQL syntax error (SQLSTATE 42601)");
    QueryTestKit.assertFailsWith(FailureCodes.INVALID_INPUT, () -> client.transaction("op.bad",
        new JsonArray().add(new JsonObject().put("sql", "SELEKT 1")), null).await(30, TimeUnit.SECONDS));
    assertThat(last().code()).isEqualTo(FailureCodes.INVALID_INPUT);
    assertThat(last().pgSql()).isNull();
    assertThat(warnings()).isEmpty();
  }

  @Test
  @DisplayName("a slow statement is logged once at WARN with its normalized text; a timed-out one as timed out")
  void slowAndTimedOut_warned() throws Exception {
    QueryClient client = deploy(QueryTestKit.config(new JsonObject().put("slowQueryThresholdSeconds", 0.1)));
    client.query(new JsonObject().put("operation", "op.slow").put("sql", "SELECT pg_sleep(0.2), 'secret-literal'"))
        .await(30, TimeUnit.SECONDS);
    client.query(new JsonObject().put("operation", "op.fast").put("sql", "SELECT 1")).await(30, TimeUnit.SECONDS);
    assertThat(warnings()).singleElement().satisfies(line -> {
      assertThat(line).startsWith("slow query [op.slow] ").endsWith(" ms: SELECT pg_sleep(?), ?");
    });

    QueryTestKit.assertFailsWith(FailureCodes.TIMED_OUT, () -> client.query(new JsonObject().put("operation", "op.late")
        .put("sql", "SELECT pg_sleep(5)").put("timeoutMs", 200)).await(30, TimeUnit.SECONDS));
    assertThat(last().code()).isEqualTo(FailureCodes.TIMED_OUT);
    assertThat(warnings()).hasSize(2);
    assertThat(warnings().get(1)).startsWith("query [op.late] timed out after ").endsWith(" ms: SELECT pg_sleep(?)");
  }

  @Test
  @DisplayName("an unreachable database is recorded as 503 each time but logged once, and its return is logged")
  void outage_loggedOnceAndItsEnd() throws Exception {
    PgConnectOptions real = TestServices.pgConnectOptions();
    TcpProxy proxy = TcpProxy.start(vertx, real.getHost(), real.getPort()).await(30, TimeUnit.SECONDS);
    proxy.refuse().await(30, TimeUnit.SECONDS);
    String url = "postgresql://" + real.getUser() + ":" + real.getPassword() + "@127.0.0.1:" + proxy.port() + "/"
        + real.getDatabase();
    QueryClient client = deploy(QueryTestKit.config(url, new JsonObject().put("queryTimeoutMs", 2000)
        .put("retry", new JsonObject().put("maxAttempts", 1))));
    for (int i = 0; i < 3; i++) {
      QueryTestKit.assertFailsWith(FailureCodes.UNAVAILABLE,
          () -> client.query(new JsonObject().put("sql", "SELECT 1")).await(30, TimeUnit.SECONDS));
      assertThat(last().code()).isEqualTo(FailureCodes.UNAVAILABLE);
    }
    assertThat(recorded).hasSize(3);
    assertThat(warnings()).singleElement().satisfies(line -> {
      assertThat(line).startsWith("database unavailable [unnamed]: ");
      assertThat(line).doesNotContain(real.getPassword());
    });

    proxy.accept().await(30, TimeUnit.SECONDS);
    client.query(new JsonObject().put("sql", "SELECT 1")).await(30, TimeUnit.SECONDS);
    client.query(new JsonObject().put("sql", "SELECT 1")).await(30, TimeUnit.SECONDS);
    assertThat(List.copyOf(logged.list).stream().map(ILoggingEvent::getFormattedMessage)
        .filter("database available again"::equals)).hasSize(1);
    proxy.close().await(30, TimeUnit.SECONDS);
  }
}
