package io.consolidb.cli;

import io.consolidb.config.NodeSettings;
import io.consolidb.schema.SchemaAdoption;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Applies the Flyway migrations and exits; what a Kubernetes init job or a CI step runs. With
 * {@code --baseline-version N} it also adopts a database the old system made (tables, no Flyway
 * history), after checking that it matches what version N makes ({@link SchemaAdoption}).
 */
@Command(name = "migrate", description = "Apply database migrations and exit.")
public final class MigrateCommand implements Callable<Integer> {

  @Mixin
  ConfigOptions config = new ConfigOptions();

  @Option(names = "--baseline-version", paramLabel = "N",
      description = "Adopt an existing schema without Flyway history as version N, if it matches what N makes.")
  Integer baselineVersion;

  @Override
  public Integer call() {
    NodeSettings settings = config.load(Map.of());
    if (settings == null) {
      return ConfigOptions.INVALID_CONFIG;
    }
    if (baselineVersion != null && baselineVersion < 1) {
      System.err.println("invalid option: --baseline-version = " + baselineVersion + ": must be a migration version (1 or more)");
      return ConfigOptions.INVALID_CONFIG;
    }
    try {
      var result = SchemaAdoption.migrate(settings.database().jdbcCoordinates(), null, baselineVersion);
      System.out.println("migrate     OK   " + result.migrationsExecuted + " migration(s) applied, schema at version "
          + (result.targetSchemaVersion == null ? "(unchanged)" : result.targetSchemaVersion));
      return 0;
    } catch (SchemaAdoption.Refused e) {
      System.out.println("migrate     FAIL " + e.getMessage());
      e.differences().forEach(d -> System.out.println("migrate     " + d));
      return ConfigOptions.SCHEMA_DIFFERS;
    } catch (Exception e) {
      System.out.println("migrate     FAIL " + settings.database().maskedUrl() + ": "
          + settings.database().tls().explain(e)
              .orElseGet(() -> Reasons.oneLine(e)));
      return ConfigOptions.DEPENDENCY_FAILED;
    }
  }
}
