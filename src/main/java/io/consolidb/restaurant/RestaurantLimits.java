package io.consolidb.restaurant;

import io.consolidb.service.SharedLimits;
import java.util.List;

/**
 * The bounds {@link RestaurantService} enforces on its arguments, public so that callers (the HTTP
 * API, its OpenAPI document, other services) can state them without guessing. A value outside
 * them fails with {@code ServiceException} 400 naming the parameter.
 */
public final class RestaurantLimits {

  /** Latitude in degrees, inclusive. */
  public static final double MIN_LATITUDE = -90;
  public static final double MAX_LATITUDE = 90;
  /** Longitude in degrees, inclusive. */
  public static final double MIN_LONGITUDE = -180;
  public static final double MAX_LONGITUDE = 180;

  /** Radius of a near search: greater than 0, at most this many kilometres. */
  public static final double MAX_RADIUS_KM = 100;

  /** Results of a near search or a text search: 1 to this many. */
  public static final int MAX_LIMIT = 200;
  /** Page size of a by-city listing: 1 to this many. */
  public static final int MAX_PAGE_SIZE = 100;
  /** Pages of a by-city listing: 1 to this many (deeper pages make PostgreSQL skip too many rows). */
  public static final int MAX_PAGE = 10_000;

  /**
   * A cursor of a by-city listing (the {@code next} token of a page): 1 to this many characters.
   * The longest token a page can give (a 200-character name) is about 1,800.
   */
  public static final int MAX_CURSOR_LENGTH = 2048;

  /** A search text: not blank, at most this many characters. */
  public static final int MAX_QUERY_LENGTH = 200;
  /**
   * Words of a search text (runs of letters and digits; the operator {@code or} not counted): at
   * most this many. Each word is one more index probe and one more term to rank, and anonymous
   * callers choose them: the cap bounds what one search can cost.
   */
  public static final int MAX_QUERY_TERMS = 8;

  /**
   * Values of one multi-valued filter ({@code kosher_category}, {@code certifying_agency},
   * {@code status}) of a near, by-city or search read: 1 to this many.
   */
  public static final int MAX_FILTER_VALUES = 10;

  /** Price range: 1 (cheap) to 4 (expensive). */
  public static final int MIN_PRICE_RANGE = SharedLimits.MIN_PRICE_RANGE;
  public static final int MAX_PRICE_RANGE = SharedLimits.MAX_PRICE_RANGE;
  /** Rating: 0 to 5, stored with one decimal. */
  public static final double MIN_RATING = 0;
  public static final double MAX_RATING = 5;

  /** Allowed values of {@code kosher_category}. */
  public static final List<String> KOSHER_CATEGORIES = SharedLimits.KOSHER_CATEGORIES;
  /** Allowed values of {@code status}; a new restaurant is {@code open} unless told otherwise. */
  public static final List<String> STATUSES = List.of("open", "closed", "temporarily_closed");

  /** Longest accepted value of each text field, in characters. */
  public static final int MAX_NAME_LENGTH = 200;
  public static final int MAX_ADDRESS_LENGTH = 300;
  public static final int MAX_CITY_LENGTH = 100;
  public static final int MAX_STATE_LENGTH = 100;
  public static final int MAX_POSTAL_CODE_LENGTH = 20;
  public static final int MAX_PHONE_LENGTH = 40;
  public static final int MAX_WEBSITE_LENGTH = 500;
  public static final int MAX_CERTIFYING_AGENCY_LENGTH = 200;
  /** Largest accepted {@code hours} object, in characters of its JSON encoding. */
  public static final int MAX_HOURS_JSON_LENGTH = 4096;

  private RestaurantLimits() {
  }
}
