package io.consolidb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.testsupport.TestServices;
import java.net.URL;
import java.net.URLClassLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code consolidb train}, the training run of the image's class-data archive, as the image build
 * runs it (no database, no Redis) and against the real services. That the archive it leads to is
 * used and makes starts faster is shown by {@code k8s.ProductionContainerIT} (the image's RUN step)
 * and by {@code start_to_ready_cds_speedup} in the benchmark.
 */
class TrainCommandTest {

  private final CommandRun cli = new CommandRun();

  @AfterEach
  void restore() {
    cli.restore();
  }

  @Test
  @DisplayName("without a database or Redis: the node starts, every route is asked and answers, the node stops, exit 0")
  void withoutServices_asksEveryRouteAndExitsZero() {
    cli.set("DATABASE_URL", "postgresql://training@127.0.0.1:1/none");
    cli.set("REDIS_URL", "redis://127.0.0.1:1");
    cli.set("DB_MIGRATE", "false");
    int code = cli.run("train", "--env", "development");
    assertThat(code).as(cli.stdout() + cli.stderr()).isZero();
    // live answers 200; readiness and the reads 503 without a database; an unknown route 404
    assertThat(cli.stdout()).containsPattern("train: \\d{3,} client classes loaded by name; "
        + TrainCommand.ROUTES.size() + " routes asked, answered \\[200, 503, 503, 503, \\d{3}, 503, 404\\]");
  }

  @Test
  @DisplayName("against the real services the reads are served, and the run still ends by itself")
  void withServices_readsServed() {
    cli.set("DATABASE_URL", TestServices.databaseUrl());
    cli.set("REDIS_URL", TestServices.redisUrl());
    cli.set("DB_MIGRATE", "false");
    int code = cli.run("train", "--env", "testing");
    assertThat(code).as(cli.stdout() + cli.stderr()).isZero();
    assertThat(cli.stdout()).containsPattern("answered \\[200, \\d{3}, \\d{3}, \\d{3}, \\d{3}, \\d{3}, 404\\]");
  }

  @Test
  @DisplayName("client packages nowhere to be found (a jar without directory entries): exit 1 before any node starts")
  void noClientClasses_exit1() throws Exception {
    cli.set("DATABASE_URL", "postgresql://training@127.0.0.1:1/none");
    cli.set("REDIS_URL", "redis://127.0.0.1:1");
    cli.set("DB_MIGRATE", "false");
    cli.set("CONSOLIDB_ENV", "development");
    try (URLClassLoader empty = new URLClassLoader(new URL[0], null)) {
      assertThat(new TrainCommand().train(empty)).isEqualTo(TrainCommand.NOTHING_FOUND);
    }
  }

  @Test
  @DisplayName("an invalid configuration fails the run before any node starts (exit 2, the key named)")
  void invalidConfiguration_exit2() {
    cli.set("DB_POOL_SIZE", "0");
    assertThat(cli.run("train", "--env", "development")).isEqualTo(ConfigOptions.INVALID_CONFIG);
    assertThat(cli.stderr()).contains("DB_POOL_SIZE");
  }
}
