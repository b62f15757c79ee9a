// placeholder: filled by the op-family owner
export {};
