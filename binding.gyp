{
  "targets": [
    {
      "target_name": "tapeflow",
      "sources": ["<!@(node scripts/native-sources.js)"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native"
      ],
      "defines": [
        "NAPI_EXPERIMENTAL",
        "NODE_ADDON_API_CPP_EXCEPTIONS",
        "NODE_ADDON_API_CPP_EXCEPTIONS_ALL",
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-march=x86-64-v3", "-fno-math-errno"],
      "libraries": ["-lopenblas", "-lpthread"],
      "conditions": [
        ["OS=='linux'", {
          "include_dirs": ["/usr/include/x86_64-linux-gnu/openblas-pthread", "/usr/include/openblas"]
        }],
        ["OS=='mac'", {
          "include_dirs": ["/opt/homebrew/opt/openblas/include", "/usr/local/opt/openblas/include"],
          "libraries": ["-L/opt/homebrew/opt/openblas/lib", "-L/usr/local/opt/openblas/lib"],
          "xcode_settings": {
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "MACOSX_DEPLOYMENT_TARGET": "11.0"
          }
        }]
      ]
    }
  ]
}
