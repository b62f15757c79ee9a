// placeholder: numpy-style printing, installed with setFormatter
export {};
