/* A shared object that is not a weir plugin at all. */
int not_a_weir_plugin(void);
int not_a_weir_plugin(void) { return 42; }
