// tp.nn: modules, initializers and losses (filled by the nn work)
export {};
