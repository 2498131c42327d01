package io.consolidb.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The fast form of {@code scripts/chaos.sh backends-killed}: PostgreSQL terminates the verticle's
 * connections (an operator's {@code pg_terminate_backend}, a failover, an idle-session timeout)
 * while reads are in flight.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("backends terminated by PostgreSQL")
class BackendsTerminatedTest {

  /** Every client backend of this database but the asking one (the test JVM runs one verticle at a time). */
  private static final String TERMINATE = "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity"
      + " WHERE datname = current_database() AND usename = current_user AND pid <> pg_backend_pid()"
      + " AND backend_type = 'client backend'";

  @Test
  @DisplayName("reads through the pool and pipelined lookups all succeed while every connection is terminated,"
      + " five times in 1.5 s, under them")
  void readsSurviveTerminatedBackends(Vertx vertx) throws Exception {
    QueryTestKit.deploy(vertx, QueryTestKit.config(QueryTestKit.pool(4)));
    QueryClient client = QueryTestKit.client(vertx);
    Future.all(client.read("warm", "SELECT 1", null), client.lookup("warm", "SELECT 1", null))
        .await(30, TimeUnit.SECONDS);

    List<Future<QueryResult>> reads = new ArrayList<>();
    long terminated = 0;
    for (int round = 0; round < 5; round++) {
      for (int i = 0; i < 20; i++) {
        JsonArray params = JsonArray.of(round * 100 + i);
        reads.add(i % 2 == 0 ? client.read("pooled", "SELECT $1::int AS n, pg_sleep(0.01)", params)
            : client.lookup("pipelined", "SELECT $1::int AS n", params));
      }
      terminated += QueryTestKit.admin(vertx, TERMINATE).getLong("n");
      Thread.sleep(300); // a read may meet one terminated connection per attempt, not one per retry
    }
    Future.join(reads).otherwiseEmpty().await(60, TimeUnit.SECONDS);

    assertThat(terminated).as("backends terminated").isPositive();
    for (int r = 0; r < reads.size(); r++) {
      Future<QueryResult> read = reads.get(r);
      assertThat(read.succeeded()).as("read %d failed with %s", r, read.cause()).isTrue();
      assertThat(read.result().rows().getJsonObject(0).getInteger("n")).isEqualTo((r / 20) * 100 + r % 20);
    }
  }
}
