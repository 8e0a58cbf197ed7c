#include "loader.h"
#include "host.h"

#include <dirent.h>
#include <dlfcn.h>
#include <pthread.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef WEIR_PLUGIN_DIR
#define WEIR_PLUGIN_DIR "/usr/local/lib/weir"
#endif

#define MAX_PLUGINS 32

struct loaded {
    char name[64];          /* as asked for */
    char path[PATH_MAX];
    void *handle;
    const struct weir_plugin *desc;
    int initialised;
    void *global;
};

static struct loaded plugins[MAX_PLUGINS];
static int n_plugins;
static const char *plugin_dir;
/* --loopback runs a client and a server thread; both may load plugins.
 * Recursive: a transport's init may load the transport it stacks on
 * (host find_transport) while loader_transport_global holds the lock. */
static pthread_mutex_t lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

void loader_set_plugin_dir(const char *dir)
{
    plugin_dir = dir;
}

void loader_search_path(char *buf, size_t len)
{
    const char *env = getenv("WEIR_PLUGIN_PATH");
    snprintf(buf, len, "%s%s%s%s%s",
             plugin_dir ? plugin_dir : "", plugin_dir ? ", " : "",
             env && *env ? env : "", env && *env ? ", " : "", WEIR_PLUGIN_DIR);
    for (char *p = buf; *p; p++)
        if (*p == ':')
            *p = ',';
}

static int is_regular(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int try_dir(const char *dir, size_t dirlen, const char *name, char *out, size_t outlen)
{
    if (dirlen == 0)
        return 0;
    int n = snprintf(out, outlen, "%.*s/%s.so", (int)dirlen, dir, name);
    return n > 0 && (size_t)n < outlen && is_regular(out);
}

/* Resolve NAME to a file; 0 when nothing was found. */
static int resolve(const char *name, char *out, size_t outlen)
{
    size_t nl = strlen(name);
    if (strchr(name, '/') || (nl > 3 && strcmp(name + nl - 3, ".so") == 0)) {
        snprintf(out, outlen, "%s", name);
        return is_regular(out);
    }
    if (plugin_dir && try_dir(plugin_dir, strlen(plugin_dir), name, out, outlen))
        return 1;
    const char *env = getenv("WEIR_PLUGIN_PATH");
    while (env && *env) {
        const char *colon = strchr(env, ':');
        size_t len = colon ? (size_t)(colon - env) : strlen(env);
        if (try_dir(env, len, name, out, outlen))
            return 1;
        env = colon ? colon + 1 : NULL;
    }
    return try_dir(WEIR_PLUGIN_DIR, strlen(WEIR_PLUGIN_DIR), name, out, outlen);
}

static const char *kind_name(enum weir_plugin_kind k)
{
    return k == WEIR_PLUGIN_TRANSPORT ? "transport" : "reporter";
}

/* Name of the first required hook the plugin lacks, or NULL. */
static const char *missing_hook(const struct weir_plugin *p)
{
    if (p->kind == WEIR_PLUGIN_TRANSPORT) {
        const struct weir_transport_ops *o = p->transport;
        if (!o) return "transport ops";
        if (!o->wire_key) return "wire_key";
        if (!o->wire_label) return "wire_label";
        if (!o->client_open) return "client_open";
        if (!o->server_listen) return "server_listen";
        if (!o->server_accept) return "server_accept";
        if (!o->server_unlisten) return "server_unlisten";
        if (!o->stream_fd) return "stream_fd";
        if (!o->send) return "send";
        if (!o->recv) return "recv";
        if (!o->close) return "close";
    } else {
        const struct weir_reporter_ops *o = p->reporter;
        if (!o) return "reporter ops";
        if (!o->open) return "open";
        if (!o->close) return "close";
        if (!o->test_start) return "test_start";
        if (!o->interval) return "interval";
        if (!o->test_end) return "test_end";
        if (!o->test_finish) return "test_finish";
    }
    return NULL;
}

static const struct weir_plugin *load_locked(const char *name, enum weir_plugin_kind kind,
                                             char *err, size_t errlen);

const struct weir_plugin *loader_load(const char *name, enum weir_plugin_kind kind,
                                      char *err, size_t errlen)
{
    pthread_mutex_lock(&lock);
    const struct weir_plugin *p = load_locked(name, kind, err, errlen);
    pthread_mutex_unlock(&lock);
    return p;
}

/* Why the plugin behind handle h cannot be used as a plugin of kind want
 * (0: of the kind it declares), or NULL with *out set to its descriptor. */
static const char *check_plugin(void *h, enum weir_plugin_kind want, const struct weir_plugin **out,
                                char *detail, size_t len)
{
    weir_plugin_entry_fn entry;
    *(void **)&entry = dlsym(h, WEIR_PLUGIN_ENTRY_NAME);
    const struct weir_plugin *d = entry ? entry() : NULL;
    if (!entry) {
        snprintf(detail, len, "it exports no %s() (is it a weir plugin? build it against weir-sdk)",
                 WEIR_PLUGIN_ENTRY_NAME);
        return detail;
    }
    if (!d)
        return "its entry point returned no descriptor";
    if (d->abi_major != WEIR_ABI_MAJOR) {
        snprintf(detail, len, "it was built for plugin ABI %u.%u but this weir needs ABI %d.x "
                 "(rebuild it against weir-sdk with abi_major %d)", d->abi_major, d->abi_minor, WEIR_ABI_MAJOR, WEIR_ABI_MAJOR);
        return detail;
    }
    if (d->struct_size < offsetof(struct weir_plugin, reporter) + sizeof(void *))
        return "its descriptor is truncated (struct_size too small)";
    if (d->kind != WEIR_PLUGIN_TRANSPORT && d->kind != WEIR_PLUGIN_REPORTER)
        return "its descriptor has an unknown kind";
    if (want && d->kind != want) {
        snprintf(detail, len, "it is a %s plugin, not a %s plugin", kind_name(d->kind), kind_name(want));
        return detail;
    }
    if (!d->name || !d->description)
        return "its descriptor has no name or description";
    const char *hook = missing_hook(d);
    if (hook) {
        snprintf(detail, len, "it lacks the required %s hook '%s' (see the SDK guide, sdk/README.md)",
                 kind_name(d->kind), hook);
        return detail;
    }
    *out = d;
    return NULL;
}

static const struct weir_plugin *load_locked(const char *name, enum weir_plugin_kind kind,
                                             char *err, size_t errlen)
{
    for (int i = 0; i < n_plugins; i++)
        if (strcmp(plugins[i].name, name) == 0 && plugins[i].desc->kind == kind)
            return plugins[i].desc;
    if (n_plugins == MAX_PLUGINS) {
        snprintf(err, errlen, "cannot load %s plugin '%s': too many plugins loaded", kind_name(kind), name);
        return NULL;
    }
    struct loaded *l = &plugins[n_plugins];
    memset(l, 0, sizeof *l);
    if (!resolve(name, l->path, sizeof l->path)) {
        char path[1024];
        loader_search_path(path, sizeof path);
        size_t nl = strlen(name);
        if (strchr(name, '/') || (nl > 3 && strcmp(name + nl - 3, ".so") == 0))
            snprintf(err, errlen, "cannot load %s plugin '%s': no such file; give the path of a built .so",
                     kind_name(kind), name);
        else
            snprintf(err, errlen, "cannot load %s plugin '%s': %s.so not found in %s; "
                     "use --plugin-dir DIR or WEIR_PLUGIN_PATH", kind_name(kind), name, name, path);
        return NULL;
    }
    char detail[256];
    void *h = dlopen(l->path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(err, errlen, "cannot load %s plugin %s: %s (check its dependencies with ldd(1))",
                 kind_name(kind), l->path, dlerror());
        return NULL;
    }
    const char *problem = check_plugin(h, kind, &l->desc, detail, sizeof detail);
    if (problem) {
        snprintf(err, errlen, "cannot use %s plugin %s: %s", kind_name(kind), l->path, problem);
        dlclose(h);
        return NULL;
    }
    snprintf(l->name, sizeof l->name, "%s", name);
    l->handle = h;
    n_plugins++;
    return l->desc;
}

int loader_transport_global(const struct weir_plugin *p, void **global)
{
    pthread_mutex_lock(&lock);
    int rc = WEIR_E_PLUGIN;
    for (int i = 0; i < n_plugins; i++) {
        struct loaded *l = &plugins[i];
        if (l->desc != p)
            continue;
        rc = WEIR_OK;
        if (!l->initialised && p->transport->init)
            rc = p->transport->init(host_services(), &l->global);
        if (rc == WEIR_OK) {
            l->initialised = 1;
            *global = l->global;
        }
        break;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

void loader_unload_all(void)
{
    /* Every fini before any dlclose: a stacked transport's fini runs the
     * fini of the one beneath it, which may have been loaded after it. */
    for (int i = n_plugins - 1; i >= 0; i--) {
        struct loaded *l = &plugins[i];
        if (l->initialised && l->desc->kind == WEIR_PLUGIN_TRANSPORT && l->desc->transport->fini)
            l->desc->transport->fini(l->global);
    }
    /* Sanitizer builds keep the code mapped so leak reports can name it. */
#ifndef __SANITIZE_ADDRESS__
    for (int i = n_plugins - 1; i >= 0; i--)
        dlclose(plugins[i].handle);
#endif
    n_plugins = 0;
}

/* --list-plugins: every plugin a bare NAME would find, as the search would
 * find it (the first NAME.so on the path wins, broken or not). */
struct listed {
    char name[64];
    enum weir_plugin_kind kind;     /* 0: the file that wins is not usable */
    char description[160];
};

struct listing {
    struct listed *items;
    size_t n, cap;
};

static int ends_in_so(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 3 && n - 3 < sizeof ((struct listed *)0)->name && strcmp(e->d_name + n - 3, ".so") == 0;
}

static int already_listed(const struct listing *ls, const char *name)
{
    for (size_t i = 0; i < ls->n; i++)
        if (strcmp(ls->items[i].name, name) == 0)
            return 1;
    return 0;
}

static void list_one(struct listing *ls, const char *path, const char *file)
{
    struct listed it = { .kind = 0 };
    snprintf(it.name, sizeof it.name, "%.*s", (int)(strlen(file) - 3), file);
    if (already_listed(ls, it.name) || !is_regular(path))
        return;
    if (ls->n == ls->cap) {
        size_t cap = ls->cap ? ls->cap * 2 : 16;
        struct listed *p = realloc(ls->items, cap * sizeof *p);
        if (!p)
            return;
        ls->items = p;
        ls->cap = cap;
    }
    char detail[256];
    const struct weir_plugin *d = NULL;
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    const char *problem = h ? check_plugin(h, 0, &d, detail, sizeof detail) : dlerror();
    if (problem) {
        fprintf(stderr, "weir: warning - %s does not load as a plugin: %s\n", path, problem);
    } else {
        it.kind = d->kind;
        snprintf(it.description, sizeof it.description, "%s", d->description);
    }
    if (h)
        dlclose(h);
    ls->items[ls->n++] = it;    /* listed even if broken: it hides later files of its name */
}

static void list_dir(struct listing *ls, const char *dir, size_t dirlen)
{
    char path[PATH_MAX];
    if (dirlen == 0 || dirlen >= sizeof path - 1)
        return;
    snprintf(path, sizeof path, "%.*s", (int)dirlen, dir);
    struct dirent **names;
    int n = scandir(path, &names, ends_in_so, alphasort);
    for (int i = 0; i < n; i++) {
        char file[PATH_MAX];
        if ((size_t)snprintf(file, sizeof file, "%s/%s", path, names[i]->d_name) < sizeof file)
            list_one(ls, file, names[i]->d_name);
        free(names[i]);
    }
    if (n >= 0)
        free(names);
}

static int by_kind_then_name(const void *a, const void *b)
{
    const struct listed *x = a, *y = b;
    if (x->kind != y->kind)
        return (int)x->kind - (int)y->kind;
    return strcmp(x->name, y->name);
}

void loader_list(FILE *out)
{
    struct listing ls = { 0 };
    if (plugin_dir)
        list_dir(&ls, plugin_dir, strlen(plugin_dir));
    const char *env = getenv("WEIR_PLUGIN_PATH");
    while (env && *env) {
        const char *colon = strchr(env, ':');
        size_t len = colon ? (size_t)(colon - env) : strlen(env);
        list_dir(&ls, env, len);
        env = colon ? colon + 1 : NULL;
    }
    list_dir(&ls, WEIR_PLUGIN_DIR, strlen(WEIR_PLUGIN_DIR));
    if (ls.n)
        qsort(ls.items, ls.n, sizeof *ls.items, by_kind_then_name);
    for (size_t i = 0; i < ls.n; i++)
        if (ls.items[i].kind)
            fprintf(out, "%-9s  %-18s %s\n", kind_name(ls.items[i].kind), ls.items[i].name,
                    ls.items[i].description);
    free(ls.items);
}
