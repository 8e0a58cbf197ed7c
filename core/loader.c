#include "loader.h"
#include "host.h"

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
    void *h = dlopen(l->path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(err, errlen, "cannot load %s plugin %s: %s (check its dependencies with ldd(1))",
                 kind_name(kind), l->path, dlerror());
        return NULL;
    }
    weir_plugin_entry_fn entry;
    *(void **)&entry = dlsym(h, WEIR_PLUGIN_ENTRY_NAME);
    const struct weir_plugin *d = entry ? entry() : NULL;
    const char *problem = NULL;
    char detail[256] = "";
    if (!entry) {
        snprintf(detail, sizeof detail, "it exports no %s() (is it a weir plugin? build it against weir-sdk)",
                 WEIR_PLUGIN_ENTRY_NAME);
        problem = detail;
    } else if (!d) {
        problem = "its entry point returned no descriptor";
    } else if (d->abi_major != WEIR_ABI_MAJOR) {
        snprintf(detail, sizeof detail, "it was built for plugin ABI %u.%u but this weir needs ABI %d.x "
                 "(rebuild it against weir-sdk %d)", d->abi_major, d->abi_minor, WEIR_ABI_MAJOR, WEIR_ABI_MAJOR);
        problem = detail;
    } else if (d->struct_size < offsetof(struct weir_plugin, reporter) + sizeof(void *)) {
        problem = "its descriptor is truncated (struct_size too small)";
    } else if (d->kind != kind) {
        snprintf(detail, sizeof detail, "it is a %s plugin, not a %s plugin",
                 d->kind == WEIR_PLUGIN_TRANSPORT ? "transport" :
                 d->kind == WEIR_PLUGIN_REPORTER ? "reporter" : "unknown-kind", kind_name(kind));
        problem = detail;
    } else if (!d->name || !d->description) {
        problem = "its descriptor has no name or description";
    } else {
        const char *hook = missing_hook(d);
        if (hook) {
            snprintf(detail, sizeof detail, "it lacks the required %s hook '%s' (see the SDK guide)",
                     kind_name(kind), hook);
            problem = detail;
        }
    }
    if (problem) {
        snprintf(err, errlen, "cannot use %s plugin %s: %s", kind_name(kind), l->path, problem);
        dlclose(h);
        return NULL;
    }
    snprintf(l->name, sizeof l->name, "%s", name);
    l->handle = h;
    l->desc = d;
    n_plugins++;
    return d;
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
