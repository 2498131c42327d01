package io.consolidb.config;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The bearer tokens of the HTTP API with their scopes: the entries of {@code http.tokens}
 * ({@code HTTP_TOKENS}: {@code name:scope,scope:token} entries separated by {@code ;} or new lines)
 * and the two shorthands, {@code API_TOKEN} (every write scope) and {@code ADMIN_TOKEN} (admin and
 * metrics). In production a token shorter than {@value #MIN_PRODUCTION_LENGTH} characters, or one
 * that looks like a placeholder, stops the node; the error names the variable, never the token.
 */
public record AccessTokens(List<TokenGrant> grants) {

  public static final int MIN_PRODUCTION_LENGTH = 32;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final Pattern ENTRY_SEPARATOR = Pattern.compile("[;\\n]");
  /** Words of example values; matched inside the token with case and punctuation ignored. */
  private static final List<String> PLACEHOLDERS = List.of("changeme", "replaceme", "placeholder", "password",
      "example", "secret", "token", "dummy", "default", "insecure");
  /** Prefixes of test values ({@code test}, {@code demo}…), too short to look for anywhere in a token. */
  private static final List<String> PLACEHOLDER_PREFIXES = List.of("test", "demo", "admin", "xxx");
  /** A random token of 32 characters or more has far more distinct characters than this. */
  private static final int MIN_DISTINCT_CHARACTERS = 8;

  public AccessTokens {
    grants = List.copyOf(grants);
  }

  static AccessTokens fromJson(ConfigSection http, Environment environment) {
    List<TokenGrant> grants = new ArrayList<>();
    String api = http.string("apiToken", "").strip();
    if (!api.isEmpty()) {
      grants.add(new TokenGrant("API_TOKEN", api, Scope.API_TOKEN));
    }
    String admin = http.string("adminToken", "").strip();
    if (!admin.isEmpty()) {
      grants.add(new TokenGrant("ADMIN_TOKEN", admin, Scope.ADMIN_TOKEN));
    }
    grants.addAll(entries(http));
    if (environment == Environment.PRODUCTION) {
      for (TokenGrant grant : grants) {
        requireStrong(http, grant);
      }
    }
    return new AccessTokens(grants);
  }

  /** Whether any token of this node holds {@code scope} (if none does, its routes are off). */
  public boolean anyGrants(Scope scope) {
    return grants.stream().anyMatch(g -> g.scopes().contains(scope));
  }

  private static List<TokenGrant> entries(ConfigSection http) {
    List<TokenGrant> grants = new ArrayList<>();
    Set<String> names = new HashSet<>(Set.of("API_TOKEN", "ADMIN_TOKEN"));
    for (String entry : ENTRY_SEPARATOR.split(http.string("tokens", ""))) {
      if (entry.isBlank()) {
        continue;
      }
      String[] parts = entry.strip().split(":", 3);
      String name = parts[0].strip();
      if (parts.length < 3 || parts[2].strip().isEmpty() || !NAME.matcher(name).matches()) {
        throw http.invalid("tokens", "", "each entry must read name:scope,scope:token (name of letters, digits,"
            + " '.', '_' or '-')" + (NAME.matcher(name).matches() ? "; entry '" + name + "' does not" : ""));
      }
      if (!names.add(name)) {
        throw http.invalid("tokens", "", "entry '" + name + "' is named twice (API_TOKEN and ADMIN_TOKEN are taken)");
      }
      Set<Scope> scopes = EnumSet.noneOf(Scope.class);
      for (String label : parts[1].split(",")) {
        Scope scope = Scope.parse(label);
        if (scope == null) {
          throw http.invalid("tokens", "", "entry '" + name + "' names an unknown scope '" + label.strip()
              + "'; scopes are " + Scope.names());
        }
        scopes.add(scope);
      }
      grants.add(new TokenGrant(name, parts[2].strip(), scopes));
    }
    return grants;
  }

  private static void requireStrong(ConfigSection http, TokenGrant grant) {
    String key = switch (grant.name()) {
      case "API_TOKEN" -> "apiToken";
      case "ADMIN_TOKEN" -> "adminToken";
      default -> "tokens";
    };
    String which = key.equals("tokens") ? "entry '" + grant.name() + "' " : "";
    String weakness = weakness(grant.token());
    if (weakness != null) {
      throw http.invalid(key, "", which + weakness + " (production needs a random token of at least "
          + MIN_PRODUCTION_LENGTH + " characters, e.g. `openssl rand -hex 32`)");
    }
  }

  /** Why {@code token} must not guard a production node, or null when it may. */
  static String weakness(String token) {
    if (token.length() < MIN_PRODUCTION_LENGTH) {
      return "is shorter than " + MIN_PRODUCTION_LENGTH + " characters";
    }
    String plain = token.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    if (PLACEHOLDERS.stream().anyMatch(plain::contains) || PLACEHOLDER_PREFIXES.stream().anyMatch(plain::startsWith)) {
      return "is a known placeholder";
    }
    if (token.chars().distinct().count() < MIN_DISTINCT_CHARACTERS) {
      return "has too few distinct characters to be random";
    }
    return null;
  }

  /** Never print tokens. */
  @Override
  public String toString() {
    return grants.toString();
  }
}
