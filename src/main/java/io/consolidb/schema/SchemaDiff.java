package io.consolidb.schema;

import io.consolidb.schema.SchemaModel.Column;
import io.consolidb.schema.SchemaModel.Named;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What in a live schema differs from the one the migrations make, one {@link Difference} per
 * finding. A difference is <em>blocking</em> when consolidb's statements or guarantees depend on
 * it (a missing table, column, index, constraint, trigger or function, another type or
 * nullability, a missing default an insert relies on, a stored generated column that is not);
 * what the live schema has in addition is informational, unless it would make consolidb's inserts
 * fail (an extra NOT NULL column without a default).
 */
public final class SchemaDiff {

  /** One finding; {@code text} names the object and, for a change, both sides. */
  public record Difference(boolean blocking, String text) {
    @Override
    public String toString() {
      return (blocking ? "DIFF " : "INFO ") + text;
    }
  }

  private SchemaDiff() {
  }

  /** The differences of {@code live} from {@code expected}, tables first, in a stable order. */
  public static List<Difference> diff(SchemaModel expected, SchemaModel live) {
    List<Difference> out = new ArrayList<>();
    expected.tables().forEach((table, columns) -> {
      Map<String, Column> liveColumns = live.tables().get(table);
      if (liveColumns == null) {
        out.add(new Difference(true, "missing table " + table));
      } else {
        columns(table, columns, liveColumns, out);
      }
    });
    live.tables().keySet().stream().filter(t -> !expected.tables().containsKey(t))
        .forEach(t -> out.add(new Difference(false, "extra table " + t + " (consolidb does not use it)")));
    named("index", expected.indexes(), expected, live, live.indexes(), out);
    named("constraint", expected.constraints(), expected, live, live.constraints(), out);
    named("trigger", expected.triggers(), expected, live, live.triggers(), out);
    expected.functions().forEach((signature, body) -> {
      String liveBody = live.functions().get(signature);
      if (liveBody == null) {
        out.add(new Difference(true, "missing function " + signature));
      } else if (!liveBody.equals(body)) {
        out.add(new Difference(true, "function " + signature + " has another body than the migrations give it"));
      }
    });
    return out;
  }

  /** Whether any difference is blocking. */
  public static boolean blocking(List<Difference> differences) {
    return differences.stream().anyMatch(Difference::blocking);
  }

  private static void columns(String table, Map<String, Column> expected, Map<String, Column> live,
      List<Difference> out) {
    expected.forEach((name, want) -> {
      Column have = live.get(name);
      String column = "column " + table + "." + name;
      if (have == null) {
        out.add(new Difference(true, "missing " + column + " " + want.type()));
        return;
      }
      if (!have.type().equals(want.type())) {
        out.add(new Difference(true, column + ": type " + have.type() + ", expected " + want.type()));
      }
      if (have.notNull() != want.notNull()) {
        out.add(new Difference(true, column + ": " + nullability(have) + ", expected " + nullability(want)));
      }
      if (!Objects.equals(have.generated(), want.generated())) {
        out.add(new Difference(true, column + ": " + (have.generated() == null ? "not generated"
            : "generated as " + have.generated()) + ", expected " + (want.generated() == null ? "not generated"
            : "generated as " + want.generated())));
      } else if (want.defaultValue() != null && have.defaultValue() == null) {
        out.add(new Difference(want.notNull(), column + ": no default, expected " + want.defaultValue()));
      } else if (!Objects.equals(have.defaultValue(), want.defaultValue())) {
        out.add(new Difference(false, column + ": default " + have.defaultValue() + ", expected "
            + want.defaultValue()));
      }
    });
    live.forEach((name, have) -> {
      if (!expected.containsKey(name)) {
        boolean breaksInserts = have.notNull() && have.defaultValue() == null && have.generated() == null;
        out.add(new Difference(breaksInserts, "extra column " + table + "." + name + " " + have.type()
            + (breaksInserts ? " is NOT NULL without a default: consolidb's inserts would fail" : "")));
      }
    });
  }

  private static String nullability(Column column) {
    return column.notNull() ? "NOT NULL" : "nullable";
  }

  /**
   * Matched by definition (the name left out): the same definition under another name is
   * informational; a missing one is blocking only on a table the live schema has (a missing
   * table is reported once, as a table); extra ones only on the tables consolidb uses.
   */
  private static void named(String kind, List<Named> expected, SchemaModel expectedModel, SchemaModel live,
      List<Named> liveObjects, List<Difference> out) {
    List<Named> unmatched = new ArrayList<>(liveObjects);
    for (Named want : expected) {
      if (!live.tables().containsKey(want.table())) {
        continue;
      }
      Named have = unmatched.stream().filter(n -> n.table().equals(want.table())
          && n.definition().equals(want.definition())).findFirst().orElse(null);
      if (have == null) {
        out.add(new Difference(true, "missing " + kind + " " + want.name() + " on " + want.table() + ": "
            + want.definition()));
      } else {
        unmatched.remove(have);
        if (!have.name().equals(want.name())) {
          out.add(new Difference(false, kind + " " + want.name() + " on " + want.table() + " is named "
              + have.name() + " here"));
        }
      }
    }
    // objects of tables consolidb does not know are the old system's business
    unmatched.stream().filter(n -> expectedModel.tables().containsKey(n.table()))
        .forEach(n -> out.add(new Difference(false, "extra " + kind + " " + n.name() + " on " + n.table() + ": "
            + n.definition())));
  }
}
