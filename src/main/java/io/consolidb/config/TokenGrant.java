package io.consolidb.config;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * One bearer token of the HTTP API and what it may do.
 *
 * @param name who holds it (shown in logs, never the token): an entry's name in {@code HTTP_TOKENS},
 *     or {@code API_TOKEN} / {@code ADMIN_TOKEN} for the shorthands
 * @param token the token itself; never printed ({@link #toString()})
 * @param scopes what it grants
 */
public record TokenGrant(String name, String token, Set<Scope> scopes) {

  public TokenGrant {
    scopes = Collections.unmodifiableSet(EnumSet.copyOf(scopes));
  }

  @Override
  public String toString() {
    return "TokenGrant[name=" + name + ", token=" + SecretMasker.MASK + ", scopes=" + scopes + "]";
  }
}
