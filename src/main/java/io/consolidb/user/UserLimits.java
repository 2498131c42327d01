package io.consolidb.user;

import io.consolidb.service.SharedLimits;
import java.util.List;

/**
 * The bounds {@link UserService} enforces on its arguments, public so that callers (the HTTP API,
 * its OpenAPI document, other services) can state them. A value outside them fails with
 * {@code ServiceException} 400 naming the parameter.
 */
public final class UserLimits {

  /** An e-mail address: at most this many characters (RFC 5321's path limit). */
  public static final int MAX_EMAIL_LENGTH = 254;
  public static final int MAX_DISPLAY_NAME_LENGTH = 100;
  public static final int MAX_HOME_CITY_LENGTH = 100;

  /** Keys a {@code preferences} object may hold. */
  public static final List<String> PREFERENCE_KEYS = List.of("kosher_category", "price_range");
  /** Allowed values of {@code preferences.kosher_category}: the restaurants' categories. */
  public static final List<String> KOSHER_CATEGORIES = SharedLimits.KOSHER_CATEGORIES;
  /** {@code preferences.price_range}: 1 (cheap) to 4 (expensive), as restaurants'. */
  public static final int MIN_PRICE_RANGE = SharedLimits.MIN_PRICE_RANGE;
  public static final int MAX_PRICE_RANGE = SharedLimits.MAX_PRICE_RANGE;

  /** A favourites listing returns at most this many restaurants, most recently added first. */
  public static final int MAX_FAVORITES_LISTED = 1000;

  private UserLimits() {
  }
}
