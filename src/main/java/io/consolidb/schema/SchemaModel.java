package io.consolidb.schema;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What of one schema matters to consolidb, read from pg_catalog: tables (not partitions, which
 * {@code ensure_analytics_partitions} adds over time, nor Flyway's history), their columns, the
 * indexes, constraints and triggers on them, and the schema's own functions (not an extension's).
 * Every definition is stored without the schema's name, so a model of a scratch schema and one of
 * {@code public} compare equal when they hold the same things.
 *
 * @param tables      table → column → column
 * @param indexes     indexes that back no constraint (those are in {@code constraints})
 * @param constraints primary keys, unique, foreign-key, check and exclusion constraints
 * @param triggers    user triggers
 * @param functions   {@code name(identity arguments)} → the md5 of its body
 */
public record SchemaModel(
    Map<String, Map<String, Column>> tables,
    List<Named> indexes,
    List<Named> constraints,
    List<Named> triggers,
    Map<String, String> functions) {

  /**
   * A column as the code that writes and reads it depends on it.
   *
   * @param defaultValue its default expression, {@code identity} for an identity column, null for none
   * @param generated    the expression of a stored generated column, null for none
   */
  public record Column(String type, boolean notNull, String defaultValue, String generated) {
  }

  /**
   * A named object of a table; {@code definition} without its name (and without the schema), so
   * the same index under another name is recognised.
   */
  public record Named(String table, String name, String definition) {
  }

  private static final String TABLES = """
      SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = ? AND c.relkind IN ('r', 'p') AND NOT c.relispartition
         AND c.relname <> 'flyway_schema_history'""";

  /** Reads {@code schema}; blocking (JDBC), bounded by the connection's socket timeout. */
  public static SchemaModel read(Connection connection, String schema) throws SQLException {
    Map<String, Map<String, Column>> tables = new TreeMap<>();
    query(connection, schema, "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,"
        + " CASE WHEN a.attidentity <> '' THEN 'identity' WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END,"
        + " CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END"
        + " FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid"
        + " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
        + " WHERE c.oid IN (" + TABLES + ") AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum",
        rs -> tables.computeIfAbsent(rs.getString(1), t -> new TreeMap<>()).put(rs.getString(2),
            new Column(strip(rs.getString(3), schema), rs.getBoolean(4), strip(rs.getString(5), schema),
                strip(rs.getString(6), schema))));
    // a table without columns is still a table
    query(connection, schema, "SELECT relname FROM pg_class WHERE oid IN (" + TABLES + ")",
        rs -> tables.computeIfAbsent(rs.getString(1), t -> new TreeMap<>()));
    List<Named> indexes = new ArrayList<>();
    query(connection, schema, "SELECT t.relname, i.relname, pg_get_indexdef(i.oid)"
        + " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
        + " WHERE t.oid IN (" + TABLES + ") AND NOT EXISTS (SELECT 1 FROM pg_constraint k"
        + "   WHERE k.conindid = i.oid AND k.conrelid = t.oid AND k.contype IN ('p', 'u', 'x'))"
        + " ORDER BY 1, 2",
        rs -> indexes.add(new Named(rs.getString(1), rs.getString(2),
            strip(rs.getString(3), schema).replaceFirst("^CREATE (UNIQUE )?INDEX \\S+ ON ", "CREATE $1INDEX ON "))));
    List<Named> constraints = new ArrayList<>();
    query(connection, schema, "SELECT t.relname, k.conname, pg_get_constraintdef(k.oid)"
        + " FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid"
        + " WHERE t.oid IN (" + TABLES + ") AND k.contype IN ('p', 'u', 'f', 'c', 'x') ORDER BY 1, 2",
        rs -> constraints.add(new Named(rs.getString(1), rs.getString(2), strip(rs.getString(3), schema))));
    List<Named> triggers = new ArrayList<>();
    query(connection, schema, "SELECT t.relname, g.tgname, pg_get_triggerdef(g.oid)"
        + " FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid"
        + " WHERE t.oid IN (" + TABLES + ") AND NOT g.tgisinternal ORDER BY 1, 2",
        rs -> triggers.add(new Named(rs.getString(1), rs.getString(2),
            strip(rs.getString(3), schema).replaceFirst("^CREATE (CONSTRAINT )?TRIGGER \\S+ ", "CREATE $1TRIGGER "))));
    Map<String, String> functions = new TreeMap<>();
    query(connection, schema, "SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', md5(p.prosrc)"
        + " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ?"
        + " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass"
        + "   AND d.objid = p.oid AND d.deptype = 'e')",
        rs -> functions.put(strip(rs.getString(1), schema), rs.getString(2)));
    return new SchemaModel(tables, indexes, constraints, triggers, functions);
  }

  /** Whether the schema holds no table at all (Flyway's history aside). */
  public boolean empty() {
    return tables.isEmpty();
  }

  private interface RowReader {
    void read(ResultSet rs) throws SQLException;
  }

  /** Runs {@code sql}, binding {@code schema} to every {@code ?}. */
  private static void query(Connection connection, String schema, String sql, RowReader reader) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      long parameters = sql.chars().filter(c -> c == '?').count();
      for (int i = 1; i <= parameters; i++) {
        statement.setString(i, schema);
      }
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          reader.read(rs);
        }
      }
    }
  }

  /** The text without {@code schema.} or {@code "schema".} qualifications. */
  private static String strip(String text, String schema) {
    if (text == null) {
      return null;
    }
    return text.replaceAll("(?<![\\w\"])(" + Pattern.quote(schema) + "|\"" + Pattern.quote(schema) + "\")\\.", "");
  }
}
