package io.consolidb.config;

import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a bearer token may do on the HTTP API (docs/SECURITY.md, "Tokens and scopes"). Restaurant
 * reads, analytics reports and the health probes need none.
 */
public enum Scope {
  /** Read personal data: a user, a user's favourites. */
  USERS_READ("users.read"),
  /** Create, change and delete users and their favourites. */
  USERS_WRITE("users.write"),
  /** Create, change and delete restaurants. */
  RESTAURANTS_WRITE("restaurants.write"),
  /** Record analytics events. */
  ANALYTICS_WRITE("analytics.write"),
  /** The cache admin and the slow-query report (statements with their plans). */
  ADMIN("admin"),
  /** {@code /metrics} on the HTTP port and {@code /metrics/summary}. */
  METRICS("metrics");

  /** What {@code API_TOKEN} grants: every write, as it did before scopes existed. */
  public static final Set<Scope> API_TOKEN = Collections.unmodifiableSet(
      EnumSet.of(RESTAURANTS_WRITE, USERS_WRITE, ANALYTICS_WRITE));
  /** What {@code ADMIN_TOKEN} grants: the admin routes and the metrics. */
  public static final Set<Scope> ADMIN_TOKEN = Collections.unmodifiableSet(EnumSet.of(ADMIN, METRICS));

  private final String label;

  Scope(String label) {
    this.label = label;
  }

  /** The scope's name in settings, problem details and docs/openapi.yaml. */
  public String label() {
    return label;
  }

  /** The scope called {@code name} (any case), or null. */
  public static Scope parse(String name) {
    String wanted = name.strip().toLowerCase(Locale.ROOT);
    return Arrays.stream(values()).filter(s -> s.label.equals(wanted)).findFirst().orElse(null);
  }

  /** Every scope's name, for error messages. */
  public static String names() {
    return Arrays.stream(values()).map(Scope::label).collect(Collectors.joining(", "));
  }
}
