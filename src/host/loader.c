#include "host/loader.h"
#include "cli/identity.h"
#include "host/hookdefaults.h"
#include "host/host.h"
#include "host/transport.h"

#include <dirent.h>
#include <dlfcn.h>
#include <pthread.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef WEIR_PLUGIN_DIR
#define WEIR_PLUGIN_DIR "/usr/local/lib/weir"
#endif

#define MAX_PLUGINS 32

/* What the core gets of a plugin: a copy of its descriptor whose ops are
 * whole (the plugin's hooks, and the host's stand-ins for the optional
 * ones it left out), so that no caller asks whether a hook is there. */
struct completed {
    const struct weir_plugin *own;  /* the plugin's own descriptor */
    struct weir_plugin desc;
    union {
        struct weir_transport_ops transport;
        struct weir_reporter_ops reporter;
    } ops;
};

struct loaded {
    char name[4096];        /* as asked for (a path can be long) */
    char path[PATH_MAX];
    void *handle;
    struct completed c;     /* c.desc is what loader_load hands out */
    /* A transport's life: init runs for its first user, fini when the last
     * one is gone. Users are the core (one reference, from its first test
     * over the transport until exit) and each open_lower of a transport
     * stacked on it. */
    int initialising;       /* init is running: a request now is a loop */
    int initialised;
    void *global;
    int refs;
    int core_ref;           /* the core holds one of refs */
    struct weir_lower lower;    /* what open_lower hands out */
};

static struct loaded plugins[MAX_PLUGINS];
static int n_plugins;
static const char *plugin_dir;
/* --loopback runs a client and a server thread; both may load plugins.
 * Recursive: a transport's init opens the transport it stacks on
 * (host->open_lower), and its fini closes it, while the lock is held. */
static pthread_mutex_t lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

static void debug(const char *fmt, const char *name, const char *what)
{
    host_services()->log(WEIR_LOG_DEBUG, fmt, name, what);
}

void loader_set_plugin_dir(const char *dir)
{
    plugin_dir = dir;
}

const char *loader_plugin_dir(void)
{
    return plugin_dir;
}

/* The plugin directories of the build tree this weir is the binary of
 * (plugins/NAME/.libs, libtool's), or NULL when it runs from anywhere
 * else, installed or copied: so that running src/weir by hand after make
 * tries the plugins just built, not those of an older weir installed on
 * the machine (or none at all). */
static const char *build_tree_path(void)
{
#ifdef WEIR_BUILD_TREE
    static char list[8192];
    char exe[PATH_MAX], tree[PATH_MAX], dirs[PATH_MAX + 16];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0 || !realpath(WEIR_BUILD_TREE, tree))
        return NULL;
    exe[n] = '\0';
    size_t tl = strlen(tree);
    if (strncmp(exe, tree, tl) != 0 || (strcmp(exe + tl, "/src/weir") != 0 && strcmp(exe + tl, "/src/.libs/weir") != 0))
        return NULL;
    snprintf(dirs, sizeof dirs, "%s/plugins", tree);
    DIR *d = opendir(dirs);
    if (!d)
        return NULL;
    size_t used = 0;
    list[0] = '\0';
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        char dir[PATH_MAX + 300];
        struct stat st;
        if (e->d_name[0] == '.')
            continue;
        int w = snprintf(dir, sizeof dir, "%s/%s/.libs", dirs, e->d_name);
        if (w < 0 || (size_t)w >= sizeof dir || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
            used + (size_t)w + 2 > sizeof list)
            continue;
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", used ? ":" : "", dir);
    }
    closedir(d);
    return used ? list : NULL;
#else
    return NULL;
#endif
}

static const char *built_plugins;

static void find_build_tree(void)
{
    built_plugins = build_tree_path();
}

/* The installed directory, or what WEIR_PLUGIN_SYSTEM_PATH puts in its
 * place (set but empty: none; the tests set it so, so that a weir
 * installed on the machine cannot lend them its plugins); a weir run from
 * its build tree has that tree's plugins in the installed one's place. */
static const char *system_path(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    const char *sys = getenv("WEIR_PLUGIN_SYSTEM_PATH");
    if (sys)
        return sys;
    pthread_once(&once, find_build_tree);
    return built_plugins ? built_plugins : WEIR_PLUGIN_DIR;
}

/* Call fn on each directory of a colon-separated list until it returns
 * non-zero; returns that value (0: none did). */
typedef int (*dir_fn)(const char *dir, size_t len, void *arg);

static int each_in_list(const char *list, dir_fn fn, void *arg)
{
    while (list && *list) {
        const char *colon = strchr(list, ':');
        size_t len = colon ? (size_t)(colon - list) : strlen(list);
        int rc = len ? fn(list, len, arg) : 0;
        if (rc)
            return rc;
        list = colon ? colon + 1 : NULL;
    }
    return 0;
}

/* Every directory a bare NAME is looked up in, in search order. */
static int each_dir(dir_fn fn, void *arg)
{
    int rc = plugin_dir && *plugin_dir ? fn(plugin_dir, strlen(plugin_dir), arg) : 0;
    if (!rc)
        rc = each_in_list(getenv("WEIR_PLUGIN_PATH"), fn, arg);
    if (!rc)
        rc = each_in_list(system_path(), fn, arg);
    return rc;
}

struct text {
    char *buf;
    size_t len, used;
};

static int append_dir(const char *dir, size_t len, void *arg)
{
    struct text *t = arg;
    if (t->used < t->len) {
        int n = snprintf(t->buf + t->used, t->len - t->used, "%s%.*s", t->used ? ", " : "",
                         (int)len, dir);
        t->used = n < 0 ? t->len : t->used + (size_t)n;
    }
    return 0;
}

void loader_search_path(char *buf, size_t len)
{
    struct text t = { buf, len, 0 };
    buf[0] = '\0';
    each_dir(append_dir, &t);
    if (!buf[0])
        snprintf(buf, len, "no directory (WEIR_PLUGIN_SYSTEM_PATH is empty)");
}

static int is_regular(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

struct lookup {
    const char *file;       /* NAME.so */
    char *out;
    size_t outlen;
};

static int try_dir(const char *dir, size_t len, void *arg)
{
    struct lookup *l = arg;
    int n = snprintf(l->out, l->outlen, "%.*s/%s", (int)len, dir, l->file);
    return n > 0 && (size_t)n < l->outlen && is_regular(l->out);
}

static int ends_with_so(const char *name)
{
    size_t n = strlen(name);
    return n > 3 && strcmp(name + n - 3, ".so") == 0;
}

/* Resolve NAME to a file; 0 when nothing was found. A NAME with a '/' is
 * a path. "FILE.so" is a file in the current directory if there is one
 * (dlopen would otherwise search the system's library path for it), else
 * looked up on the plugin path like a bare NAME, which means NAME.so. */
static int resolve(const char *name, char *out, size_t outlen)
{
    if (strchr(name, '/')) {
        snprintf(out, outlen, "%s", name);
        return is_regular(out);
    }
    char file[NAME_MAX + 1];
    if (ends_with_so(name)) {
        snprintf(out, outlen, "./%s", name);
        if (is_regular(out))
            return 1;
        snprintf(file, sizeof file, "%s", name);
    } else {
        snprintf(file, sizeof file, "%s.so", name);
    }
    struct lookup l = { file, out, outlen };
    return each_dir(try_dir, &l);
}

static const char *kind_name(enum weir_plugin_kind k)
{
    return k == WEIR_PLUGIN_TRANSPORT ? "transport" : "reporter";
}

/* Why the plugin's hooks are not enough (the first required one it lacks),
 * or NULL. Read from the complete copy, before the stand-ins go in. */
static const char *missing_hook(const struct weir_plugin *p, char *detail, size_t len)
{
    const char *hook = NULL, *why = "";
    if (p->kind == WEIR_PLUGIN_TRANSPORT) {
        const struct weir_transport_ops *o = p->transport;
        int control_port = (o->caps & WEIR_CAP_CONTROL_PORT) != 0;
        if (!o->wire_key) hook = "wire_key";
        else if (!o->wire_label) hook = "wire_label";
        else if (!o->client_open) hook = "client_open";
        else if (!o->server_listen) hook = "server_listen";
        else if (!o->server_unlisten) hook = "server_unlisten";
        else if (!o->stream_fd) hook = "stream_fd";
        else if (!o->send) hook = "send";
        else if (!o->recv) hook = "recv";
        else if (!o->close) hook = "close";
        /* The front door hands such a transport its streams: adopt is how. */
        else if (control_port && !o->server_adopt)
            hook = "server_adopt", why = ", which WEIR_CAP_CONTROL_PORT requires";
        else if (!control_port && !o->server_accept)
            hook = "server_accept", why = ", which a transport without WEIR_CAP_CONTROL_PORT requires";
    } else {
        const struct weir_reporter_ops *o = p->reporter;
        if (!o->open) hook = "open";
        else if (!o->close) hook = "close";
        else if (!o->test_start) hook = "test_start";
        else if (!o->interval) hook = "interval";
        else if (!o->test_end) hook = "test_end";
        else if (!o->test_finish) hook = "test_finish";
    }
    if (!hook)
        return NULL;
    snprintf(detail, len, "it lacks the required %s hook '%s'%s (see the SDK guide, sdk/README.md)",
             kind_name(p->kind), hook, why);
    return detail;
}

/* Copy what the plugin's ops struct has (size, its struct_size, says how
 * much) into the whole one, zeroed before; -1 when not even the first
 * hook is in it. */
static int copy_ops(void *whole, size_t whole_size, const void *ops, size_t size, size_t first_hook)
{
    if (size <= first_hook)
        return -1;
    memcpy(whole, ops, size < whole_size ? size : whole_size);
    return 0;
}

/* The complete copy of descriptor d into c; NULL, or why it cannot be. */
static const char *complete(const struct weir_plugin *d, struct completed *c, char *detail, size_t len)
{
    memset(c, 0, sizeof *c);
    c->own = d;
    memcpy(&c->desc, d, d->struct_size < sizeof c->desc ? d->struct_size : sizeof c->desc);
    c->desc.struct_size = sizeof c->desc;
    int transport = d->kind == WEIR_PLUGIN_TRANSPORT;
    if (transport ? !d->transport : !d->reporter) {
        snprintf(detail, len, "its descriptor has no %s ops", kind_name(d->kind));
        return detail;
    }
    int bad = transport
        ? copy_ops(&c->ops.transport, sizeof c->ops.transport, d->transport, d->transport->struct_size,
                   offsetof(struct weir_transport_ops, init))
        : copy_ops(&c->ops.reporter, sizeof c->ops.reporter, d->reporter, d->reporter->struct_size,
                   offsetof(struct weir_reporter_ops, open));
    if (bad) {
        snprintf(detail, len, "its %s ops are truncated (set .struct_size = sizeof ops)", kind_name(d->kind));
        return detail;
    }
    if (transport) {
        c->ops.transport.struct_size = sizeof c->ops.transport;
        c->desc.transport = &c->ops.transport;
        c->desc.reporter = NULL;
    } else {
        c->ops.reporter.struct_size = sizeof c->ops.reporter;
        c->desc.transport = NULL;
        c->desc.reporter = &c->ops.reporter;
    }
    const char *why = missing_hook(&c->desc, detail, len);
    if (why)
        return why;
    if (transport)
        hookdefaults_transport(&c->ops.transport);
    else
        hookdefaults_reporter(&c->ops.reporter);
    return NULL;
}

/* What is wrong with a transport's block size rules (the core applies
 * them to -l and to a client's "len"), or NULL. */
static const char *bad_blksize_rules(const struct weir_plugin *p)
{
    const struct weir_transport_ops *o = p->transport;
    if (p->kind != WEIR_PLUGIN_TRANSPORT)
        return NULL;
    uint32_t max = o->blksize_max ? o->blksize_max : UINT32_MAX;
    if (o->default_blksize == 0)
        return "its default_blksize is 0 (the -l default must be set)";
    if (o->blksize_min > max || o->default_blksize < o->blksize_min || o->default_blksize > max)
        return "its default_blksize is outside blksize_min..blksize_max";
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
 * (0: of the kind it declares), or NULL with *out its complete copy. */
static const char *check_plugin(void *h, enum weir_plugin_kind want, struct completed *out,
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
    if (d->abi_minor > WEIR_ABI_MINOR) {
        snprintf(detail, len, "it was built for plugin ABI %u.%u, newer than this weir's %d.%d "
                 "(upgrade weir, or rebuild the plugin against this weir's weir-sdk)",
                 d->abi_major, d->abi_minor, WEIR_ABI_MAJOR, WEIR_ABI_MINOR);
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
    const char *why = complete(d, out, detail, len);
    if (why)
        return why;
    /* Checked on the copy: its fields are all there. */
    return bad_blksize_rules(&out->desc);
}

static const struct weir_plugin *load_locked(const char *name, enum weir_plugin_kind kind,
                                             char *err, size_t errlen)
{
    for (int i = 0; i < n_plugins; i++)
        if (strcmp(plugins[i].name, name) == 0 && plugins[i].c.desc.kind == kind)
            return &plugins[i].c.desc;
    if (n_plugins == MAX_PLUGINS) {
        snprintf(err, errlen, "cannot load %s plugin '%s': too many plugins loaded", kind_name(kind), name);
        return NULL;
    }
    struct loaded *l = &plugins[n_plugins];
    memset(l, 0, sizeof *l);
    if (!resolve(name, l->path, sizeof l->path)) {
        char path[1024];
        loader_search_path(path, sizeof path);
        if (strchr(name, '/'))
            snprintf(err, errlen, "cannot load %s plugin '%s': no such file; give the path of a built .so",
                     kind_name(kind), name);
        else if (ends_with_so(name))
            snprintf(err, errlen, "cannot load %s plugin '%s': no such file in the current directory, "
                     "nor in %s; 'weir --list-plugins' shows the plugins found",
                     kind_name(kind), name, path);
        else
            snprintf(err, errlen, "cannot load %s plugin '%s': %s.so not found in %s; "
                     "'weir --list-plugins' shows the plugins found (--plugin-dir DIR or "
                     "WEIR_PLUGIN_PATH to look elsewhere)", kind_name(kind), name, name, path);
        return NULL;
    }
    char detail[256];
    void *h = dlopen(l->path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(err, errlen, "cannot load %s plugin %s: %s (check its dependencies with ldd(1))",
                 kind_name(kind), l->path, dlerror());
        return NULL;
    }
    const char *problem = check_plugin(h, kind, &l->c, detail, sizeof detail);
    if (problem) {
        snprintf(err, errlen, "cannot use %s plugin %s: %s", kind_name(kind), l->path, problem);
        dlclose(h);
        return NULL;
    }
    snprintf(l->name, sizeof l->name, "%s", name);
    l->handle = h;
    /* A stacked transport gets the lower one's own descriptor and ops: it
     * tells what the lower one can do by the hooks it set (stand-ins are
     * for the core, which never asks). */
    l->lower = (struct weir_lower){ .struct_size = sizeof l->lower, .plugin = l->c.own,
                                    .ops = l->c.own->transport };
    n_plugins++;
    debug("plugin '%s' loaded from %s", name, l->path);
    return &l->c.desc;
}

static struct loaded *find_loaded(const struct weir_plugin *p)
{
    for (int i = 0; i < n_plugins; i++)
        if (&plugins[i].c.desc == p)
            return &plugins[i];
    return NULL;
}

/* One more user of a transport: init for the first. Under the lock. */
static int acquire(struct loaded *l)
{
    if (!l->initialised) {
        if (l->initialising)
            return WEIR_E_PLUGIN;   /* its own init asked for it: a loop */
        l->initialising = 1;
        int rc = transport_init(&l->c.desc, &l->global);
        l->initialising = 0;
        if (rc != WEIR_OK)
            return rc;
        l->initialised = 1;
        l->lower.global = l->global;
        debug("transport '%s': %s", l->c.desc.name, "initialised");
    }
    l->refs++;
    return WEIR_OK;
}

/* One user fewer: fini after the last. Under the lock. */
static void release(struct loaded *l)
{
    if (l->refs == 0 || --l->refs > 0)
        return;
    /* Cleared first: a fini that closes its own lower transports comes
     * back here for them, never for itself. */
    l->initialised = 0;
    debug("transport '%s': %s", l->c.desc.name, "fini");
    transport_fini(&l->c.desc, l->global);
    l->global = NULL;
    l->lower.global = NULL;
}

int loader_transport_global(const struct weir_plugin *p, void **global)
{
    pthread_mutex_lock(&lock);
    struct loaded *l = find_loaded(p);
    int rc = l ? WEIR_OK : WEIR_E_PLUGIN;
    if (l && !l->core_ref) {
        rc = acquire(l);
        l->core_ref = rc == WEIR_OK;
    }
    if (rc == WEIR_OK)
        *global = l->global;
    pthread_mutex_unlock(&lock);
    return rc;
}

int loader_open_lower(const char *name, const struct weir_lower **lower, char *err, size_t errlen)
{
    pthread_mutex_lock(&lock);
    int rc = WEIR_E_PLUGIN;
    const struct weir_plugin *p = load_locked(name, WEIR_PLUGIN_TRANSPORT, err, errlen);
    struct loaded *l = p ? find_loaded(p) : NULL;
    if (l && l->initialising) {
        snprintf(err, errlen, "transport '%s' cannot run beneath itself (a stacking loop)", p->name);
    } else if (l) {
        host_clear_error();
        rc = acquire(l);
        if (rc == WEIR_OK) {
            *lower = &l->lower;
            debug("transport '%s': %s", p->name, "opened beneath another transport");
        } else {
            char why[512];
            snprintf(why, sizeof why, "%s", host_take_error(NULL));
            snprintf(err, errlen, "transport '%s' failed to initialise%s%s", p->name, why[0] ? ": " : "", why);
            rc = WEIR_E_PLUGIN;
        }
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

void loader_close_lower(const struct weir_lower *lower)
{
    if (!lower)
        return;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < n_plugins; i++)
        if (&plugins[i].lower == lower) {
            debug("transport '%s': %s", plugins[i].c.desc.name, "closed beneath another transport");
            release(&plugins[i]);
            break;
        }
    pthread_mutex_unlock(&lock);
}

void loader_unload_all(void)
{
    pthread_mutex_lock(&lock);
    /* The core lets go of what it used, newest first; an upper transport's
     * fini closes what it stacks on, whose own fini then follows it. */
    for (int i = n_plugins - 1; i >= 0; i--) {
        struct loaded *l = &plugins[i];
        if (l->core_ref) {
            l->core_ref = 0;
            release(l);
        }
    }
    /* A stacked transport that never closed its lower one: fini anyway,
     * every fini before any dlclose. */
    for (int i = n_plugins - 1; i >= 0; i--) {
        struct loaded *l = &plugins[i];
        if (l->initialised) {
            l->refs = 1;
            release(l);
        }
    }
    /* Sanitizer builds keep the code mapped so leak reports can name it. */
#ifndef __SANITIZE_ADDRESS__
    for (int i = n_plugins - 1; i >= 0; i--)
        dlclose(plugins[i].handle);
#endif
    n_plugins = 0;
    pthread_mutex_unlock(&lock);
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
    struct completed c;
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    const char *problem = h ? check_plugin(h, 0, &c, detail, sizeof detail) : dlerror();
    if (problem) {
        fprintf(stderr, "%s: warning - %s does not load as a plugin: %s\n", identity_name(), path, problem);
    } else {
        it.kind = c.desc.kind;
        snprintf(it.description, sizeof it.description, "%s", c.desc.description);
    }
    if (h)
        dlclose(h);
    ls->items[ls->n++] = it;    /* listed even if broken: it hides later files of its name */
}

static int list_dir(const char *dir, size_t dirlen, void *arg)
{
    struct listing *ls = arg;
    char path[PATH_MAX];
    if (dirlen >= sizeof path - 1)
        return 0;
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
    return 0;
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
    each_dir(list_dir, &ls);
    if (ls.n)
        qsort(ls.items, ls.n, sizeof *ls.items, by_kind_then_name);
    for (size_t i = 0; i < ls.n; i++)
        if (ls.items[i].kind)
            fprintf(out, "%-9s  %-18s %s\n", kind_name(ls.items[i].kind), ls.items[i].name,
                    ls.items[i].description);
    free(ls.items);
}
