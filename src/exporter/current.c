#include "exporter/current.h"

#include <pthread.h>
#include <stdlib.h>

struct config_ref {
    struct exp_config *c;
    int refs;                   /* under lock: holders, the slot included */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct config_ref *in_force;

static void release_locked(struct config_ref *r)
{
    if (r && --r->refs == 0) {
        exp_config_free(r->c);
        free(r);
    }
}

void current_set(struct exp_config *c)
{
    struct config_ref *r = malloc(sizeof *r);
    if (!r) {
        exp_config_free(c);     /* out of memory: the old one stays */
        return;
    }
    r->c = c;
    r->refs = 1;
    pthread_mutex_lock(&lock);
    struct config_ref *old = in_force;
    in_force = r;
    release_locked(old);
    pthread_mutex_unlock(&lock);
}

struct config_ref *current_get(void)
{
    pthread_mutex_lock(&lock);
    struct config_ref *r = in_force;
    if (r)
        r->refs++;
    pthread_mutex_unlock(&lock);
    return r;
}

const struct exp_config *config_of(const struct config_ref *r)
{
    return r->c;
}

void current_put(struct config_ref *r)
{
    pthread_mutex_lock(&lock);
    release_locked(r);
    pthread_mutex_unlock(&lock);
}

void current_clear(void)
{
    pthread_mutex_lock(&lock);
    release_locked(in_force);
    in_force = NULL;
    pthread_mutex_unlock(&lock);
}
