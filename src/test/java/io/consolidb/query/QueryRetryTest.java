package io.consolidb.query;

import static io.consolidb.query.QueryTestKit.assertFailsWith;
import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.FailureCodes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("retries")
class QueryRetryTest {

  private QueryTestKit.TestSchema schema;
  private QueryClient client;
  private String flaky;

  /** {@code flaky()} fails with SQLSTATE 40001 on its first two calls; a sequence counts calls (never rolled back). */
  @BeforeEach
  void deploy(Vertx vertx) {
    schema = new QueryTestKit.TestSchema(vertx);
    String calls = schema.table("calls");
    flaky = schema.table("flaky");
    schema.exec("CREATE SEQUENCE " + calls + ";"
        + " CREATE FUNCTION " + flaky + "() RETURNS bigint LANGUAGE plpgsql AS $$"
        + " DECLARE n bigint := nextval('" + calls + "');"
        + " BEGIN IF n <= 2 THEN RAISE EXCEPTION 'simulated conflict' USING ERRCODE = '40001'; END IF;"
        + " RETURN n; END $$");
    QueryTestKit.deploy(vertx, QueryTestKit.config(new JsonObject()
        .put("retry", new JsonObject().put("maxAttempts", 3).put("initialBackoffMs", 10).put("maxBackoffMs", 50))));
    client = QueryTestKit.client(vertx);
  }

  @AfterEach
  void dropSchema() {
    schema.drop();
  }

  @Test
  @DisplayName("a read that hits a serialization failure twice succeeds on its third attempt")
  void readIsRetried() throws Exception {
    QueryResult result = client.read("flaky.read", "SELECT " + flaky + "() AS n", null).await(30, TimeUnit.SECONDS);

    assertThat(result.firstRow().getLong("n")).isEqualTo(3);
    assertThat(calls()).isEqualTo(3);
  }

  @Test
  @DisplayName("a write with the same failure is not retried and answers 409")
  void writeIsNotRetried() {
    assertFailsWith(FailureCodes.CONFLICT, () -> client.write("flaky.write", "SELECT " + flaky + "() AS n", null)
        .await(30, TimeUnit.SECONDS))
        .hasMessageContaining("40001");

    assertThat(calls()).isEqualTo(1);
  }

  @Test
  @DisplayName("a write marked idempotent is retried")
  void idempotentWriteIsRetried() throws Exception {
    QueryResult result = client.query(new JsonObject().put("sql", "SELECT " + flaky + "() AS n")
        .put("readOnly", false).put("idempotent", true)).await(30, TimeUnit.SECONDS);

    assertThat(result.firstRow().getLong("n")).isEqualTo(3);
  }

  @Test
  @DisplayName("a read gives up after maxAttempts and answers 409")
  void retriesAreBounded() {
    schema.exec("ALTER SEQUENCE " + schema.table("calls") + " RESTART WITH -10 MINVALUE -100");

    assertFailsWith(FailureCodes.CONFLICT, () -> client.read("flaky.read", "SELECT " + flaky + "() AS n", null)
        .await(30, TimeUnit.SECONDS));
    assertThat(calls()).isEqualTo(-8);
  }

  private long calls() {
    return schema.exec("SELECT last_value AS n FROM " + schema.table("calls")).getLong("n");
  }
}
