package main

import "github.com/gin-gonic/gin"

func main() { _ = gin.New() }
