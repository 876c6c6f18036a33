replicas = 3
greeting = "welcome"
