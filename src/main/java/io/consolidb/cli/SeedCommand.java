package io.consolidb.cli;

import io.consolidb.config.NodeSettings;
import io.consolidb.demo.DemoDataSeeder;
import io.consolidb.schema.JdbcCoordinates;
import io.consolidb.schema.SchemaMigrator;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Loads deterministic demo restaurants (10k by default, a million on request). */
@Command(name = "seed", description = "Migrate, then insert deterministic demo restaurants.")
public final class SeedCommand implements Callable<Integer> {

  @Mixin
  ConfigOptions config = new ConfigOptions();

  @Option(names = "--restaurants", defaultValue = "10000", description = "How many restaurants (default ${DEFAULT-VALUE}).")
  int restaurants;

  @Option(names = "--seed", defaultValue = "20261126", description = "Random seed: same seed, same rows.")
  long seed;

  @Option(names = "--if-empty", description = "Only seed when the restaurants table is empty.")
  boolean ifEmpty;

  @Override
  public Integer call() {
    if (restaurants < 0) {
      System.err.println("invalid option: --restaurants = " + restaurants + ": must be at least 0");
      return ConfigOptions.INVALID_CONFIG;
    }
    Vertx vertx = Vertx.vertx();
    try {
      NodeSettings settings = config.load(Map.of());
      if (settings == null) {
        return ConfigOptions.INVALID_CONFIG;
      }
      JdbcCoordinates jdbc = settings.database().jdbcCoordinates();
      SchemaMigrator.migrate(jdbc.url(), jdbc.user(), jdbc.password());
      Pool pool = settings.database().singleConnectionPool(vertx);
      long started = System.nanoTime();
      try {
        if (ifEmpty) {
          boolean seeded = DemoDataSeeder.seedIfEmpty(pool, restaurants, seed).await(1, TimeUnit.HOURS);
          System.out.println("seed        OK   " + (seeded ? restaurants + " restaurants" : "table not empty, nothing done"));
        } else {
          int count = DemoDataSeeder.seed(pool, restaurants, seed).await(1, TimeUnit.HOURS);
          System.out.printf("seed        OK   %d restaurants in %.1f s%n", count, (System.nanoTime() - started) / 1e9);
        }
        return 0;
      } finally {
        pool.close();
      }
    } catch (Exception e) {
      System.out.println("seed        FAIL " + io.consolidb.config.SecretMasker.maskText(String.valueOf(e.getMessage())));
      return ConfigOptions.DEPENDENCY_FAILED;
    } finally {
      vertx.close();
    }
  }
}
