package io.consolidb.query;

import static io.consolidb.query.QueryTestKit.assertFailsWith;
import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.FailureCodes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("consolidb.db.tx")
class TransactionTest {

  private QueryTestKit.TestSchema schema;
  private QueryClient client;
  private String users;

  @BeforeEach
  void deploy(Vertx vertx) {
    schema = new QueryTestKit.TestSchema(vertx);
    users = schema.table("users");
    schema.exec("CREATE TABLE " + users + " (id int PRIMARY KEY, email text NOT NULL UNIQUE)");
    QueryTestKit.deploy(vertx, QueryTestKit.config(QueryTestKit.pool(2)));
    client = QueryTestKit.client(vertx);
  }

  @AfterEach
  void dropSchema() {
    schema.drop();
  }

  @Test
  @DisplayName("three inserts where the last violates a constraint answer 409 and leave no row behind")
  void allOrNothing() {
    JsonArray statements = new JsonArray()
        .add(insert(1, "a@example.com"))
        .add(insert(2, "b@example.com"))
        .add(insert(3, "a@example.com"));

    assertFailsWith(FailureCodes.CONFLICT, () -> client.transaction("users.import", statements, null).await(30, TimeUnit.SECONDS))
        .hasMessageContaining("statements[2]")
        .hasMessageContaining("23505")
        .hasMessageNotContaining("a@example.com");

    assertThat(schema.exec("SELECT count(*) AS n FROM " + users).getLong("n")).isZero();
  }

  @Test
  @DisplayName("a transaction commits every statement and answers one result per statement")
  void commitsAll() throws Exception {
    JsonArray statements = new JsonArray()
        .add(insert(1, "a@example.com"))
        .add(new JsonObject().put("sql", "UPDATE " + users + " SET email = $1 WHERE id = $2")
            .put("params", new JsonArray().add("z@example.com").add(1)))
        .add(new JsonObject().put("sql", "SELECT id, email FROM " + users + " ORDER BY id"));

    JsonArray results = client.transaction("users.import", statements,
        new JsonObject().put("tags", new JsonArray().add("users"))).await(30, TimeUnit.SECONDS);

    assertThat(results).hasSize(3);
    assertThat(results.getJsonObject(0).getInteger("rowCount")).isEqualTo(1);
    assertThat(results.getJsonObject(1).getInteger("rowCount")).isEqualTo(1);
    assertThat(results.getJsonObject(2).getJsonArray("rows"))
        .containsExactly(new JsonObject().put("id", 1).put("email", "z@example.com"));
    assertThat(schema.exec("SELECT email FROM " + users).getString("email")).isEqualTo("z@example.com");
  }

  @Test
  @DisplayName("a malformed statement anywhere in the list answers 400 naming it, before anything runs")
  void validatesFirst() {
    JsonArray statements = new JsonArray()
        .add(insert(1, "a@example.com"))
        .add(new JsonObject().put("params", new JsonArray()));

    assertFailsWith(FailureCodes.INVALID_INPUT, () -> client.transaction("users.import", statements, null).await(30, TimeUnit.SECONDS))
        .hasMessageContaining("statements[1].sql");
    assertFailsWith(FailureCodes.INVALID_INPUT,
        () -> client.transaction("users.import", new JsonArray(), null).await(30, TimeUnit.SECONDS))
        .hasMessageContaining("statements");
    assertThat(schema.exec("SELECT count(*) AS n FROM " + users).getLong("n")).isZero();
  }

  private JsonObject insert(int id, String email) {
    return new JsonObject().put("sql", "INSERT INTO " + users + " (id, email) VALUES (:id, :email)")
        .put("params", new JsonObject().put("id", id).put("email", email));
  }
}
