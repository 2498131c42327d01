package io.consolidb.restaurant.impl;

import java.time.ZoneId;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The time zone names a restaurant may have: the JDK's region ids (IANA names), less the
 * three-letter ids the JDK keeps for compatibility ({@code EST}, {@code MST}, {@code HST}: fixed
 * offsets, no daylight saving). PostgreSQL's own zone database knows the same names; the column's
 * CHECK ({@code V10__restaurant_time_zones.sql}) guards against a name it does not.
 */
final class TimeZones {

  /** Longest accepted name, as the column's CHECK (the longest IANA name has 32 characters). */
  static final int MAX_LENGTH = 64;

  /** Lower-cased name to canonical name. */
  private static final Map<String, String> NAMES = names();

  private TimeZones() {
  }

  /** The canonical spelling of {@code name} (matched without case), or null when it is no region zone. */
  static String canonical(String name) {
    return name == null || name.length() > MAX_LENGTH ? null : NAMES.get(name.toLowerCase(Locale.ROOT));
  }

  private static Map<String, String> names() {
    Map<String, String> names = new HashMap<>();
    for (String id : ZoneId.getAvailableZoneIds()) {
      if (!ZoneId.SHORT_IDS.containsKey(id)) {
        names.put(id.toLowerCase(Locale.ROOT), id);
      }
    }
    return Map.copyOf(names);
  }
}
