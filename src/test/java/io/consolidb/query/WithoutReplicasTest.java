package io.consolidb.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.Addresses;
import io.consolidb.FailureCodes;
import io.consolidb.testsupport.Await;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("without DATABASE_READ_URL")
class WithoutReplicasTest {

  @Test
  @DisplayName("nothing changes: reads on the primary, writes answer no LSN, the pool state lists no replicas")
  void primaryOnly(Vertx vertx) {
    QueryTestKit.deploy(vertx, QueryTestKit.config(new JsonObject()));
    JsonObject read = Await.result(QueryTestKit.send(vertx, Addresses.DB_QUERY, new JsonObject()
        .put("sql", "SELECT pg_is_in_recovery() AS replica").put("readOnly", true).put("minLsn", "0/1")));
    assertThat(read.getJsonArray("rows").getJsonObject(0).getBoolean("replica")).isFalse();
    JsonObject write = Await.result(QueryTestKit.send(vertx, Addresses.DB_QUERY, new JsonObject().put("sql", "SELECT 1")));
    assertThat(write.containsKey("lsn")).isFalse();
    JsonObject tx = Await.result(QueryTestKit.send(vertx, Addresses.DB_TX, new JsonObject()
        .put("statements", JsonArray.of(new JsonObject().put("sql", "SELECT 1")))));
    assertThat(tx.containsKey("lsn")).isFalse();
    assertThat(QueryTestKit.poolState(vertx).containsKey("replicas")).isFalse();
  }

  @Test
  @DisplayName("a bad minLsn is still refused with 400")
  void badLsnRefused(Vertx vertx) {
    QueryTestKit.deploy(vertx, QueryTestKit.config(new JsonObject()));
    QueryTestKit.assertFailsWith(FailureCodes.INVALID_INPUT, () -> Await.result(QueryTestKit.send(vertx,
        Addresses.DB_QUERY, new JsonObject().put("sql", "SELECT 1").put("readOnly", true).put("minLsn", "nope"))))
        .hasMessageContaining("minLsn");
  }
}
