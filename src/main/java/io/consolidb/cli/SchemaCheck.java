package io.consolidb.cli;

import io.consolidb.config.DatabaseSettings;
import io.consolidb.schema.SchemaDiff.Difference;
import io.consolidb.schema.SchemaInspection;
import java.io.PrintStream;

/**
 * The schema part of {@code check}: one line for the verdict, then one per difference from the
 * version it compares with (the applied one, or for a database without Flyway history the
 * highest version it matches).
 */
final class SchemaCheck {

  private static final String LABEL = "schema      ";

  private final PrintStream out;

  SchemaCheck(PrintStream out) {
    this.out = out;
  }

  /** 0 when consolidb can run on the schema, {@link ConfigOptions#SCHEMA_DIFFERS} or a dependency failure otherwise. */
  int run(DatabaseSettings database) {
    long started = System.nanoTime();
    SchemaInspection inspection;
    try {
      inspection = SchemaInspection.inspect(database.jdbcCoordinates(), null);
    } catch (Exception e) {
      out.println(LABEL + "FAIL cannot compare with the migrations: " + database.tls().explain(e)
          .orElseGet(() -> Reasons.oneLine(e)));
      return ConfigOptions.DEPENDENCY_FAILED;
    }
    long ms = (System.nanoTime() - started) / 1_000_000;
    String schema = inspection.schema();
    long blocking = inspection.differences().stream().filter(Difference::blocking).count();
    long informational = inspection.differences().size() - blocking;
    if (inspection.empty()) {
      out.println(LABEL + "SKIP " + schema + " is empty: 'consolidb migrate' creates it (" + ms + " ms)");
    } else if (inspection.applied() != null) {
      String pending = inspection.applied() < inspection.latest()
          ? "; V" + (inspection.applied() + 1) + "..V" + inspection.latest() + " pending ('consolidb migrate')" : "";
      out.println(LABEL + (blocking == 0 ? "OK   " : "DIFF ") + schema + (blocking == 0 ? " matches V" : " differs from V")
          + inspection.applied() + counts(blocking, informational) + pending + " (" + ms + " ms)");
    } else if (inspection.matching() != null) {
      out.println(LABEL + "DIFF " + schema + " has no flyway_schema_history; it matches V" + inspection.matching()
          + counts(blocking, informational) + ": adopt it with 'consolidb migrate --baseline-version "
          + inspection.matching() + "' (docs/MIGRATING.md) (" + ms + " ms)");
    } else {
      out.println(LABEL + "DIFF " + schema + " has no flyway_schema_history and matches no version;"
          + " compared with V" + inspection.comparedWith() + counts(blocking, informational) + " (" + ms + " ms)");
    }
    inspection.differences().forEach(d -> out.println(LABEL + d));
    return inspection.usable() ? 0 : ConfigOptions.SCHEMA_DIFFERS;
  }

  private static String counts(long blocking, long informational) {
    return blocking + informational == 0 ? "" : " (" + blocking + " blocking, " + informational + " informational)";
  }
}
