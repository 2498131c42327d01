package io.consolidb.cli;

import io.consolidb.config.NodeSettings;
import io.consolidb.schema.JdbcCoordinates;
import io.consolidb.schema.SchemaMigrator;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Applies the Flyway migrations and exits; what a Kubernetes init job or a CI step runs. */
@Command(name = "migrate", description = "Apply database migrations and exit.")
public final class MigrateCommand implements Callable<Integer> {

  @Mixin
  ConfigOptions config = new ConfigOptions();

  @Override
  public Integer call() {
    NodeSettings settings = config.load(Map.of());
    if (settings == null) {
      return ConfigOptions.INVALID_CONFIG;
    }
    try {
      JdbcCoordinates jdbc = settings.database().jdbcCoordinates();
      var result = SchemaMigrator.migrate(jdbc.url(), jdbc.user(), jdbc.password());
      System.out.println("migrate     OK   " + result.migrationsExecuted + " migration(s) applied, schema at version "
          + (result.targetSchemaVersion == null ? "(unchanged)" : result.targetSchemaVersion));
      return 0;
    } catch (Exception e) {
      System.out.println("migrate     FAIL " + settings.database().maskedUrl() + ": "
          + settings.database().tls().explain(e)
              .orElseGet(() -> io.consolidb.config.SecretMasker.maskText(String.valueOf(e.getMessage()))));
      return ConfigOptions.DEPENDENCY_FAILED;
    }
  }
}
