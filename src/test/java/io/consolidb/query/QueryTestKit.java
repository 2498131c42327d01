package io.consolidb.query;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consolidb.Addresses;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.TestNodes;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.serviceproxy.ServiceException;
import java.util.UUID;
import org.assertj.core.api.AbstractThrowableAssert;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Shared plumbing for the query verticle's integration tests. */
final class QueryTestKit {

  private QueryTestKit() {
  }

  /** Node settings for the test database, with {@code database} keys merged over the defaults. */
  static JsonObject config(JsonObject database) {
    return config(TestServices.databaseUrl(), database);
  }

  static JsonObject config(String url, JsonObject database) {
    JsonObject db = new JsonObject().put("url", url).put("migrate", false);
    db.mergeIn(database, true);
    return new JsonObject().put("environment", "testing").put("database", db);
  }

  static JsonObject pool(int size) {
    return new JsonObject().put("pool", new JsonObject().put("size", size));
  }

  static ConsolidbNode deploy(Vertx vertx, JsonObject config) {
    return TestNodes.deploy(vertx, config, Component.QUERY);
  }

  static QueryClient client(Vertx vertx) {
    return new QueryClient(vertx, 5_000);
  }

  /** Sends a raw body to an address, failures mapped as {@link QueryClient} maps them. */
  static Future<JsonObject> send(Vertx vertx, String address, Object body) {
    return vertx.eventBus().<JsonObject>request(address, body, new DeliveryOptions().setSendTimeout(10_000))
        .recover(QueryClient::asServiceException)
        .map(reply -> reply.body());
  }

  static JsonObject poolState(Vertx vertx) {
    return Await.result(send(vertx, Addresses.DB_POOL_STATE, new JsonObject()));
  }

  /** Asserts that {@code call} throws a {@link ServiceException} with {@code code}. */
  static AbstractThrowableAssert<?, ? extends Throwable> assertFailsWith(int code, ThrowingCallable call) {
    return assertThatThrownBy(call)
        .isInstanceOf(ServiceException.class)
        .satisfies(e -> org.assertj.core.api.Assertions.assertThat(((ServiceException) e).failureCode())
            .as("failure code of: %s", e.getMessage()).isEqualTo(code));
  }

  /** Runs SQL (one or more statements) on a connection of its own, outside the verticle. */
  static JsonObject admin(Vertx vertx, String sql) {
    PgConnectOptions options = TestServices.pgConnectOptions();
    PgConnection conn = Await.result(PgConnection.connect(vertx, options));
    conn.noticeHandler(notice -> { }); // "drop cascades to …" is expected
    try {
      var rows = Await.result(conn.query(sql).execute());
      return rows.size() == 0 ? new JsonObject() : rows.iterator().next().toJson();
    } finally {
      Await.result(conn.close());
    }
  }

  /** A schema of its own for one test; created on construction, dropped by {@link #drop()}. */
  static final class TestSchema {

    private final Vertx vertx;
    private final String name = "qt_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    TestSchema(Vertx vertx) {
      this.vertx = vertx;
      exec("CREATE SCHEMA " + name);
    }

    String name() {
      return name;
    }

    /** {@code "<schema>.<table>"}. */
    String table(String table) {
      return name + "." + table;
    }

    /** Runs admin SQL in the test database, outside the verticle; the first row or {@code {}}. */
    JsonObject exec(String sql) {
      return admin(vertx, sql);
    }

    void drop() {
      exec("DROP SCHEMA IF EXISTS " + name + " CASCADE");
    }
  }
}
