package io.consolidb.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assertions.within;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.pgclient.PgBuilder;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class TestServicesTest {

  private static final long TIMEOUT_S = 10;

  @Test
  @DisplayName("the resolved PostgreSQL answers SELECT 1 and has earthdistance enabled")
  void postgresAnswers(Vertx vertx, VertxTestContext ctx) {
    Pool pool = PgBuilder.pool().connectingTo(TestServices.pgConnectOptions()).using(vertx).build();
    pool.query("SELECT 1 AS one, earth_distance(ll_to_earth(0, 0), ll_to_earth(0, 1)) AS metres")
        .execute()
        .timeout(TIMEOUT_S, TimeUnit.SECONDS)
        .eventually(pool::close)
        .onComplete(ctx.succeeding(rows -> ctx.verify(() -> {
          Row row = rows.iterator().next();
          assertThat(row.getInteger("one")).isEqualTo(1);
          // One degree of longitude on the equator of earthdistance's sphere (R = 6378168 m).
          assertThat(row.getDouble("metres")).isCloseTo(111_320.0, within(1.0));
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("the resolved Redis answers PING")
  void redisAnswers(Vertx vertx, VertxTestContext ctx) {
    Redis redis = Redis.createClient(vertx, TestServices.redisOptions());
    RedisAPI.api(redis).ping(List.of())
        .timeout(TIMEOUT_S, TimeUnit.SECONDS)
        .eventually(redis::close)
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply.toString()).isEqualTo("PONG");
          ctx.completeNow();
        })));
  }

  @Test
  void findEnvFile_walksUpFromANestedDirectory(@TempDir Path root) throws Exception {
    Path file = root.resolve(TestServices.ENV_FILE);
    Files.createDirectories(file.getParent());
    Files.writeString(file, "TEST_DATABASE_URL=postgresql://u:p@h:1/d\n");
    Path nested = Files.createDirectories(root.resolve("a/b/c"));

    assertThat(TestServices.findEnvFile(nested)).contains(file);
  }

  @Test
  void readEnvFile_skipsCommentsAndStripsQuotes(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("services.env");
    Files.writeString(file, String.join("\n",
        "# written by scripts/services.sh",
        "",
        "TEST_DATABASE_URL=postgresql://consolidb:consolidb@127.0.0.1:5432/consolidb_test",
        "export REDIS_URL=\"redis://127.0.0.1:6379\"",
        "not a pair"));

    assertThat(TestServices.readEnvFile(file))
        .containsOnly(
            entry("TEST_DATABASE_URL",
                "postgresql://consolidb:consolidb@127.0.0.1:5432/consolidb_test"),
            entry("REDIS_URL", "redis://127.0.0.1:6379"));
  }
}
