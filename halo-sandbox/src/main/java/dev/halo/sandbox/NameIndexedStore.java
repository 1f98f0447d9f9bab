package dev.halo.sandbox;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.crud.AttributeType;
import io.fabric8.mockwebserver.crud.CrudDispatcher;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.lang.reflect.Field;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The embedded API server's object store with an index by object name. fabric8's CRUD dispatcher
 * answers every request by matching the request against every stored object ({@code
 * map.entrySet().stream().filter(matches)}), so each GET, PATCH, PUT or DELETE of one object costs
 * time in proportion to everything stored: with a thousand groups (3000 pods, their Services and
 * Events) the mock's one event-loop thread was the bottleneck of the whole machine (two thirds of
 * the bench JVM's CPU samples were that scan).
 *
 * <p>This store is a drop-in for the dispatcher's {@code LinkedHashMap} that also indexes its keys
 * by their {@code name} attribute. {@link #dispatcher} wraps the dispatcher so that, while a
 * request for one named object of a namespaced kind is served ({@code
 * /api[s/group]/version/namespaces/ns/plural/name[/status]}, or a POST to {@code .../plural} whose
 * body names the object), the scans it makes see only the stored objects of that name. Every object
 * such a request can match carries that name, so the answers are the same; lists, watches,
 * collection deletes and cluster-scoped requests still see everything. A request served inside
 * another (a patch translated to a GET and a PUT) gets its own view.
 */
final class NameIndexedStore extends LinkedHashMap<AttributeSet, String> {
  private static final long serialVersionUID = 1L;
  private static final String NAME = "name";
  // .../namespaces/{ns}/{plural}[/{name}[/status|/scale]] after /api/v1 or /apis/{group}/{version}
  private static final Pattern NAMESPACED =
      Pattern.compile(
          "^/(?:api/[^/]+|apis/[^/]+/[^/]+)/namespaces/[^/]+/[^/]+(?:/(?<name>[^/]+)"
              + "(?:/(?:status|scale))?)?/?$");
  private static final JsonFactory JSON = new JsonFactory();
  private static final ThreadLocal<Attribute> scope = new ThreadLocal<>();

  private static final Pattern RESOURCE_VERSION =
      Pattern.compile("(?:^|&)resourceVersion=(\\d+)(?:&|$)");
  private static final List<String> IDENTITY = List.of("api", "version", "kind", "namespace", NAME);
  private static final int REMOVALS_KEPT = 20_000;

  private final transient Map<Attribute, Set<AttributeSet>> byName = new HashMap<>();
  // Keys removed from the store (deletions, and the old key of every update) with the store's
  // resourceVersion at the time, newest last.
  private final transient ArrayDeque<Removal> removals = new ArrayDeque<>();
  private transient KubernetesMixedDispatcher mixed;
  private transient KubernetesCrudDispatcher crud;
  private transient AtomicLong resourceVersion = new AtomicLong();

  private record Removal(long version, AttributeSet key) {}

  NameIndexedStore() {}

  /**
   * Puts an indexed store under {@code mixed}'s CRUD dispatcher (before it holds anything); {@link
   * #dispatcher()} is then the dispatcher to send requests to.
   */
  static NameIndexedStore install(KubernetesMixedDispatcher mixed) {
    try {
      Field crudField =
          KubernetesMixedDispatcher.class.getDeclaredField("kubernetesCrudDispatcher");
      crudField.setAccessible(true);
      KubernetesCrudDispatcher crud = (KubernetesCrudDispatcher) crudField.get(mixed);
      Field versionField = KubernetesCrudDispatcher.class.getDeclaredField("resourceVersion");
      versionField.setAccessible(true);
      Field mapField = CrudDispatcher.class.getDeclaredField("map");
      mapField.setAccessible(true);
      NameIndexedStore store = new NameIndexedStore();
      store.mixed = mixed;
      store.crud = crud;
      store.resourceVersion = (AtomicLong) versionField.get(crud);
      store.putAll(crud.getMap());
      mapField.set(crud, store);
      return store;
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException(
          "cannot index the mock API server's store (fabric8 mockwebserver changed its fields?)",
          e);
    }
  }

  /** The dispatcher to send requests to: it scopes each one to the name it is about. */
  Dispatcher dispatcher() {
    return new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return within(nameOf(request), () -> mixed.dispatch(request));
      }

      @Override
      public void shutdown() {
        mixed.shutdown();
      }
    };
  }

  /**
   * Whether a watch that resumes from a resourceVersion would miss a deletion: an object it watches
   * was deleted after that version and is not stored again. The store replays every current object
   * to a new watch but cannot replay deletions, so an informer whose watch was closed (fabric8's
   * informers close theirs every 5-10 minutes and resume them) kept a deleted pod in its cache for
   * good, and the operator waited for that pod to go, forever. Such a watch is answered 410 Gone
   * and the informer lists again, as against a real API server whose history was compacted.
   */
  boolean missedDeletion(RecordedRequest watch) {
    String target = watch.getPath();
    int q = target == null ? -1 : target.indexOf('?');
    if (q < 0 || !target.contains("watch=true")) {
      return false;
    }
    Matcher m = RESOURCE_VERSION.matcher(target.substring(q + 1));
    long since;
    try {
      since = m.find() ? Long.parseLong(m.group(1)) : 0;
    } catch (NumberFormatException e) {
      return false;
    }
    if (since <= 0) {
      return false;
    }
    AttributeSet query = crud.getAttributeExtractor().fromPath(target);
    List<AttributeSet> candidates = new ArrayList<>();
    synchronized (removals) {
      for (Iterator<Removal> it = removals.descendingIterator(); it.hasNext(); ) {
        Removal r = it.next();
        if (r.version() <= since) {
          break;
        }
        candidates.add(r.key());
      }
    }
    return candidates.stream().anyMatch(k -> k.matches(query) && !storedAgain(k));
  }

  /** Whether an object of the same kind, namespace and name as {@code removed} is stored. */
  private boolean storedAgain(AttributeSet removed) {
    Attribute name = removed.getAttribute(NAME);
    if (name == null) {
      return true; // cannot tell: no reason to make the client list again
    }
    List<Attribute> identity = new ArrayList<>();
    for (String k : IDENTITY) {
      Attribute a = removed.getAttribute(k);
      if (a != null) {
        identity.add(a);
      }
    }
    AttributeSet same = new AttributeSet(identity);
    return within(name, () -> entrySet().stream().anyMatch(e -> e.getKey().matches(same)));
  }

  /**
   * Runs {@code work} with this thread's scans seeing only objects named {@code name} (null: all).
   */
  static <T> T within(Attribute name, Supplier<T> work) {
    Attribute outer = scope.get();
    scope.set(name);
    try {
      return work.get();
    } finally {
      scope.set(outer);
    }
  }

  /** The name attribute a request is about, or null when it may touch objects of any name. */
  static Attribute nameOf(RecordedRequest request) {
    String target = request.getPath();
    if (target == null) {
      return null;
    }
    int query = target.indexOf('?');
    String path = query < 0 ? target : target.substring(0, query);
    if (query >= 0 && target.indexOf("watch=", query) >= 0) {
      return null;
    }
    Matcher m = NAMESPACED.matcher(path);
    if (!m.matches()) {
      return null;
    }
    String name = m.group(NAME);
    if (name == null && request.method() == HttpMethod.POST && request.getBody() != null) {
      name = metadataName(request.getBody().getBytes());
    }
    return name == null || name.isEmpty() ? null : new Attribute(NAME, name, AttributeType.WITH);
  }

  /** {@code metadata.name} of a JSON object, or null. */
  static String metadataName(byte[] json) {
    try (JsonParser p = JSON.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.getCurrentName();
        JsonToken value = p.nextToken();
        if (field.equals("metadata") && value == JsonToken.START_OBJECT) {
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String inner = p.getCurrentName();
            JsonToken v = p.nextToken();
            if (inner.equals(NAME) && v == JsonToken.VALUE_STRING) {
              return p.getText();
            }
            p.skipChildren();
          }
          return null;
        }
        p.skipChildren();
      }
    } catch (IOException e) {
      return null; // not JSON: the dispatcher rejects it, with every object in view
    }
    return null;
  }

  @Override
  public Set<Map.Entry<AttributeSet, String>> entrySet() {
    Attribute name = scope.get();
    if (name == null) {
      return super.entrySet();
    }
    Map<AttributeSet, String> view = new LinkedHashMap<>();
    for (AttributeSet key : byName.getOrDefault(name, Set.of())) {
      String value = super.get(key);
      if (value != null) {
        view.put(key, value);
      }
    }
    return view.entrySet();
  }

  @Override
  public String put(AttributeSet key, String value) {
    Attribute name = key.getAttribute(NAME);
    if (name != null) {
      byName.computeIfAbsent(name, n -> new LinkedHashSet<>()).add(key);
    }
    return super.put(key, value);
  }

  @Override
  public void putAll(Map<? extends AttributeSet, ? extends String> m) {
    m.forEach(this::put);
  }

  @Override
  public String remove(Object key) {
    if (key instanceof AttributeSet set && containsKey(set)) {
      synchronized (removals) {
        // The store's deletions do not move its version; a removal does here, so that a list
        // after it reads a newer version than the removal and a watch resuming from there is fine.
        removals.addLast(new Removal(resourceVersion.incrementAndGet(), set));
        if (removals.size() > REMOVALS_KEPT) {
          removals.removeFirst();
        }
      }
      Attribute name = set.getAttribute(NAME);
      Set<AttributeSet> same = name == null ? null : byName.get(name);
      if (same != null) {
        same.remove(set);
        if (same.isEmpty()) {
          byName.remove(name);
        }
      }
    }
    return super.remove(key);
  }

  @Override
  public void clear() {
    byName.clear();
    super.clear();
  }
}
