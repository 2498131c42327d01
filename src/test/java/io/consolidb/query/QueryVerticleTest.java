package io.consolidb.query;

import static io.consolidb.query.QueryTestKit.assertFailsWith;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.consolidb.Addresses;
import io.consolidb.FailureCodes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.math.BigDecimal;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

@ExtendWith(VertxExtension.class)
@DisplayName("consolidb.db.query")
class QueryVerticleTest {

  private Vertx vertx;
  private QueryTestKit.TestSchema schema;
  private QueryClient client;

  @BeforeEach
  void deploy(Vertx vertx) {
    this.vertx = vertx;
    schema = new QueryTestKit.TestSchema(vertx);
    schema.exec("CREATE TABLE " + schema.table("cities") + " (id serial PRIMARY KEY, name text NOT NULL UNIQUE,"
        + " country text NOT NULL, population int)");
    schema.exec("INSERT INTO " + schema.table("cities") + " (name, country, population) VALUES"
        + " ('Paris', 'FR', 2100000), ('Lyon', 'FR', 520000), ('Berlin', 'DE', 3700000)");
    QueryTestKit.deploy(vertx, QueryTestKit.config(QueryTestKit.pool(2)
        .put("slowQueryThresholdSeconds", 0.2)));
    client = QueryTestKit.client(vertx);
  }

  @AfterEach
  void dropSchema() {
    schema.drop();
  }

  @Test
  @DisplayName("named parameters bind by name, a repeated name reuses its value, and casts are left alone")
  void namedParameters() throws Exception {
    QueryResult result = client.read("cities.byCountry",
        "SELECT name, :country::text AS asked, ':notAParam' AS text FROM " + schema.table("cities")
            + " WHERE country = :country AND population > :min ORDER BY name",
        new JsonObject().put("country", "FR").put("min", 100)).await(30, TimeUnit.SECONDS);

    assertThat(result.rowCount()).isEqualTo(2);
    assertThat(result.rows().stream().map(r -> ((JsonObject) r).getString("name"))).containsExactly("Lyon", "Paris");
    assertThat(result.firstRow().getString("asked")).isEqualTo("FR");
    assertThat(result.firstRow().getString("text")).isEqualTo(":notAParam");
    assertThat(result.cached()).isFalse();
    assertThat(result.durationMs()).isGreaterThanOrEqualTo(0);
  }

  @Test
  @DisplayName("positional parameters bind in order")
  void positionalParameters() throws Exception {
    QueryResult result = client.read("cities.byName",
        "SELECT name, population FROM " + schema.table("cities") + " WHERE country = $1 AND name <> $2",
        new JsonArray().add("FR").add("Lyon")).await(30, TimeUnit.SECONDS);

    assertThat(result.rows()).containsExactly(new JsonObject().put("name", "Paris").put("population", 2100000));
  }

  @Test
  @DisplayName("an SQL injection attempt is stored and found as a literal value")
  void injectionStaysLiteral() throws Exception {
    String attack = "x'); DROP TABLE " + schema.table("cities") + "; --";
    QueryResult inserted = client.write("cities.insert",
        "INSERT INTO " + schema.table("cities") + " (name, country) VALUES (:name, :country) RETURNING id",
        new JsonObject().put("name", attack).put("country", "ZZ")).await(30, TimeUnit.SECONDS);
    assertThat(inserted.rowCount()).isEqualTo(1);

    QueryResult found = client.read("cities.byName",
        "SELECT name FROM " + schema.table("cities") + " WHERE name = :name",
        new JsonObject().put("name", attack)).await(30, TimeUnit.SECONDS);
    assertThat(found.firstRow().getString("name")).isEqualTo(attack);
    assertThat(schema.exec("SELECT count(*) AS n FROM " + schema.table("cities")).getLong("n")).isEqualTo(4);
  }

  @Test
  @DisplayName("a placeholder without a value is rejected with 400 naming it")
  void missingNamedValue() {
    assertFailsWith(FailureCodes.INVALID_INPUT, () -> client.read("q",
        "SELECT * FROM " + schema.table("cities") + " WHERE country = :country AND name = :name",
        new JsonObject().put("country", "FR")).await(30, TimeUnit.SECONDS))
        .hasMessageContaining(":name");
  }

  @Test
  @DisplayName("a value without a placeholder is rejected with 400 naming it")
  void unusedNamedValue() {
    assertFailsWith(FailureCodes.INVALID_INPUT, () -> client.read("q",
        "SELECT * FROM " + schema.table("cities") + " WHERE country = :country",
        new JsonObject().put("country", "FR").put("city", "Paris")).await(30, TimeUnit.SECONDS))
        .hasMessageContaining("city");
  }

  @Test
  @DisplayName("a syntax error answers 400 with its SQLSTATE and without the SQL text")
  void syntaxError() {
    assertFailsWith(FailureCodes.INVALID_INPUT, () -> client.read("q", "SELEC secret_column FROM nowhere", null).await(30, TimeUnit.SECONDS))
        .hasMessageContaining("42601")
        .hasMessageNotContaining("secret_column")
        .hasMessageNotContaining("SELEC ");
  }

  @Test
  @DisplayName("a value PostgreSQL cannot cast answers 400 without echoing the value")
  void badCast() {
    assertFailsWith(FailureCodes.INVALID_INPUT, () -> client.read("q", "SELECT CAST(:v AS text)::int AS n",
        new JsonObject().put("v", "s3cr3t-value")).await(30, TimeUnit.SECONDS))
        .hasMessageContaining("22P02")
        .hasMessageNotContaining("s3cr3t-value");
  }

  @Test
  @DisplayName("a value of the wrong type for its parameter answers 400 naming the parameter, not the value")
  void wrongParameterType() {
    assertFailsWith(FailureCodes.INVALID_INPUT, () -> client.read("q",
        "SELECT * FROM " + schema.table("cities") + " WHERE population > :min",
        new JsonObject().put("min", "s3cr3t-value")).await(30, TimeUnit.SECONDS))
        .hasMessageContaining(":min")
        .hasMessageNotContaining("s3cr3t-value");
    assertFailsWith(FailureCodes.INVALID_INPUT, () -> client.read("q",
        "SELECT * FROM " + schema.table("cities") + " WHERE population > $1 AND name = $2",
        new JsonArray().add(1)).await(30, TimeUnit.SECONDS))
        .hasMessageContaining("expects 2 parameters, got 1");
  }

  @Test
  @DisplayName("a request with a missing or malformed field answers 400 naming the field")
  void malformedRequests() {
    assertFailsWith(FailureCodes.INVALID_INPUT, () -> client.query(new JsonObject()).await(30, TimeUnit.SECONDS))
        .hasMessageContaining("sql");
    assertFailsWith(FailureCodes.INVALID_INPUT, () -> client.query(new JsonObject().put("sql", "  ")).await(30, TimeUnit.SECONDS))
        .hasMessageContaining("sql");
    assertFailsWith(FailureCodes.INVALID_INPUT,
        () -> client.query(new JsonObject().put("sql", "SELECT 1").put("params", 42)).await(30, TimeUnit.SECONDS))
        .hasMessageContaining("params");
    assertFailsWith(FailureCodes.INVALID_INPUT,
        () -> client.query(new JsonObject().put("sql", "SELECT 1").put("timeoutMs", "soon")).await(30, TimeUnit.SECONDS))
        .hasMessageContaining("timeoutMs");
    assertFailsWith(FailureCodes.INVALID_INPUT,
        () -> client.query(new JsonObject().put("sql", "SELECT 1").put("readOnly", "yes")).await(30, TimeUnit.SECONDS))
        .hasMessageContaining("readOnly");
    assertFailsWith(FailureCodes.INVALID_INPUT,
        () -> QueryTestKit.send(vertx, Addresses.DB_QUERY, "SELECT 1").await(30, TimeUnit.SECONDS));
  }

  @Test
  @DisplayName("a duplicate key answers 409 with the SQLSTATE and constraint, not the value")
  void uniqueViolation() {
    assertFailsWith(FailureCodes.CONFLICT, () -> client.write("cities.insert",
        "INSERT INTO " + schema.table("cities") + " (name, country) VALUES (:name, 'FR')",
        new JsonObject().put("name", "Paris")).await(30, TimeUnit.SECONDS))
        .hasMessageContaining("23505")
        .hasMessageContaining("cities_name_key")
        .hasMessageNotContaining("Paris");
  }

  @Test
  @DisplayName("JSON values bind to timestamps, dates, numeric, jsonb and arrays, and come back as JSON")
  void typesRoundTrip() throws Exception {
    String table = schema.table("events");
    schema.exec("CREATE TABLE " + table + " (id int PRIMARY KEY, at timestamptz, local timestamp, day date,"
        + " price numeric(10,2), doc jsonb, tags text[], ratio float8, span interval, ok boolean)");
    client.write("events.insert",
        "INSERT INTO " + table + " (id, at, local, day, price, doc, tags, ratio, span, ok)"
            + " VALUES (:id, :at, :local, :day, :price, :doc, :tags, :ratio, '1 day 2 hours', :ok)",
        new JsonObject().put("id", 1).put("at", "2024-03-01T10:15:30+02:00").put("local", "2024-03-01 10:15:30")
            .put("day", "2024-03-01").put("price", "12.50")
            .put("doc", new JsonObject().put("stars", 4).put("tags", new JsonArray().add("x")))
            .put("tags", new JsonArray().add("a").add("b")).put("ratio", 0.25).put("ok", true)).await(30, TimeUnit.SECONDS);

    JsonObject row = client.read("events.byIds", "SELECT * FROM " + table + " WHERE id = ANY(:ids)",
        new JsonObject().put("ids", new JsonArray().add(1).add(2))).await(30, TimeUnit.SECONDS).firstRow();

    assertThat(row.getString("at")).isEqualTo("2024-03-01T08:15:30Z");
    assertThat(row.getString("local")).isEqualTo("2024-03-01T10:15:30");
    assertThat(row.getString("day")).isEqualTo("2024-03-01");
    assertThat((BigDecimal) row.getValue("price")).isEqualTo(new BigDecimal("12.50"));
    assertThat(row.getJsonObject("doc")).isEqualTo(new JsonObject().put("stars", 4).put("tags", new JsonArray().add("x")));
    assertThat(row.getJsonArray("tags")).isEqualTo(new JsonArray().add("a").add("b"));
    assertThat(row.getDouble("ratio")).isEqualTo(0.25);
    assertThat(row.getString("span")).isEqualTo("P1DT2H");
    assertThat(row.getBoolean("ok")).isTrue();
    assertThat(new JsonObject().put("row", row).encode()).contains("\"price\":12.50");
  }

  @Test
  @DisplayName("a write reports how many rows it changed")
  void writeRowCount() throws Exception {
    QueryResult result = client.write("cities.rename",
        "UPDATE " + schema.table("cities") + " SET population = population + 1 WHERE country = :c",
        new JsonObject().put("c", "FR")).await(30, TimeUnit.SECONDS);
    assertThat(result.rowCount()).isEqualTo(2);
    assertThat(result.rows()).isEmpty();
  }

  @Test
  @DisplayName("the pool state reports size, active, idle, waiting, max_size, the lookup lanes and the circuit breaker")
  void poolState() throws Exception {
    client.read("q", "SELECT 1", null).await(30, TimeUnit.SECONDS);

    JsonObject state = QueryTestKit.poolState(vertx);

    assertThat(state.fieldNames()).containsExactlyInAnyOrder("size", "active", "idle", "waiting", "max_size",
        "lookup_lanes", "breaker");
    assertThat(state.getInteger("lookup_lanes")).as("no in-process lookup yet").isZero();
    assertThat(state.getJsonObject("breaker")).isEqualTo(new JsonObject().put("state", "closed").put("enabled", true)
        .put("consecutive_failures", 0).put("openings", 0));
    assertThat(state.getInteger("max_size")).isEqualTo(2);
    assertThat(state.getInteger("size")).isBetween(1, 2);
    assertThat(state.getInteger("active")).isZero();
    assertThat(state.getInteger("waiting")).isZero();
    assertThat(state.getInteger("idle")).isEqualTo(state.getInteger("size"));
  }

  @Test
  @DisplayName("a slow query is logged once at WARN with its normalized SQL and without parameter values")
  void slowQueryLog() throws Exception {
    Logger logger = (Logger) LoggerFactory.getLogger(QueryExecutor.class);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    try {
      client.read("slow.one", "SELECT pg_sleep(0.3),   :secret::text   AS s,  'literal' AS l, 42 AS n",
          new JsonObject().put("secret", "hunter2")).await(30, TimeUnit.SECONDS);
    } finally {
      logger.detachAppender(appender);
    }

    List<String> warnings = appender.list.stream().filter(e -> e.getLevel() == Level.WARN)
        .map(ILoggingEvent::getFormattedMessage).toList();
    assertThat(warnings).hasSize(1);
    assertThat(warnings.get(0))
        .contains("slow query [slow.one]")
        .contains("SELECT pg_sleep(?), :secret::text AS s, ? AS l, ? AS n")
        .doesNotContain("hunter2")
        .doesNotContain("literal");
  }

  @Test
  @DisplayName("with echo on, each statement is logged at INFO, normalized")
  void echo() throws Exception {
    Logger logger = (Logger) LoggerFactory.getLogger(QueryExecutor.class);
    Level level = logger.getLevel();
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    logger.setLevel(Level.INFO);
    try {
      Vertx other = Vertx.vertx();
      try {
        QueryTestKit.deploy(other, QueryTestKit.config(new JsonObject().put("echo", true)));
        QueryTestKit.client(other).read("echo.me", "SELECT  'a secret'  AS s WHERE 1 = :one",
            new JsonObject().put("one", 1)).await(30, TimeUnit.SECONDS);
      } finally {
        other.close().await(30, TimeUnit.SECONDS);
      }
    } finally {
      logger.detachAppender(appender);
      logger.setLevel(level);
    }

    assertThat(appender.list.stream().filter(e -> e.getLevel() == Level.INFO).map(ILoggingEvent::getFormattedMessage))
        .containsExactly("[echo.me] SELECT ? AS s WHERE ? = :one");
  }
}
