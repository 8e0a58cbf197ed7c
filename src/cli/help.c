#include "cli/help.h"
#include "cli/identity.h"
#include "cli/optable.h"

#include <string.h>

/* iperf3's layout: the names in a 26-column field after two spaces, the
 * text after it (from column 28), its further lines indented as far. */
#define HELP_NAMES_WIDTH 26
#define HELP_TEXT_COLUMN 28

static void print_text_lines(FILE *out, const char *text, int first_indented)
{
    int indent = first_indented;
    while (*text) {
        const char *nl = strchr(text, '\n');
        int n = nl ? (int)(nl - text) : (int)strlen(text);
        fprintf(out, "%*s%.*s\n", indent ? HELP_TEXT_COLUMN : 0, "", n, text);
        indent = 1;
        text += n + (nl != NULL);
    }
}

static void print_entry(FILE *out, const struct optspec *o)
{
    char names[128];
    if (o->letter)
        snprintf(names, sizeof names, "-%c, --%s%s", o->letter, o->name, o->meta ? o->meta : "");
    else
        snprintf(names, sizeof names, "--%s%s", o->name, o->meta ? o->meta : "");
    fprintf(out, "  %s", names);
    if (o->help[0] == '\n') {
        fputc('\n', out);
        print_text_lines(out, o->help + 1, 1);
        return;
    }
    /* Names that fill the field get two spaces (iperf3's -f has one). */
    int used = (int)strlen(names);
    fprintf(out, "%*s", used < HELP_NAMES_WIDTH ? HELP_NAMES_WIDTH - used : 2, "");
    print_text_lines(out, o->help, 0);
}

static void print_plugin_options(FILE *out, const struct weir_plugin *p)
{
    if (!p || !p->options || !p->options[0].name)
        return;
    fprintf(out, "\n%s %s options (%s):\n", p->name,
            p->kind == WEIR_PLUGIN_TRANSPORT ? "transport" : "reporter", p->description);
    for (const struct weir_option *o = p->options; o->name; o++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        fprintf(out, "  %-28s %s\n", left, o->help ? o->help : "");
    }
}

void help_print(FILE *out, const struct weir_plugin *const *plugins, int n)
{
    static const struct { enum opt_section section; const char *title; } sections[] = {
        { HELP_BOTH, "Server or Client:" },
        { HELP_SERVER, "Server specific:" },
        { HELP_CLIENT, "Client specific:" },
        { HELP_EXPORTER, "Exporter specific:" },
    };
    const char *me = identity_name();
    fprintf(out, "Usage: %s [-s|-c host] [options]\n"
                 "       %s [-h|--help] [-v|--version]\n"
                 "       %s --loopback [client options]\n"
                 "       %s --exporter [ADDR:]PORT [exporter options]\n"
                 "\n", me, me, me, me);
    for (size_t s = 0; s < sizeof sections / sizeof sections[0]; s++) {
        fprintf(out, "%s\n", sections[s].title);
        for (size_t i = 0; i < optable_len; i++)
            if (optable[i].section == sections[s].section)
                print_entry(out, &optable[i]);
    }
    for (int i = 0; i < n; i++)
        print_plugin_options(out, plugins[i]);
}
