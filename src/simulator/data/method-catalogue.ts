// Generated once from the method catalogue captured on xo-server 5.207.2 (system.getMethodsInfo).
// It is data (names, parameter schemas, permissions), kept as a TS module so that the compiled
// simulator needs no JSON file at runtime. Do not edit by hand: regenerate from the capture.

export interface MethodInfo {
  description?: string
  params?: Record<string, any>
  permission?: string | null
}

export const METHODS_INFO: Record<string, MethodInfo> = {
  'acl.add': {
    description: 'add a new ACL entry',
    params: {
      subject: {
        type: 'string',
      },
      object: {
        type: 'string',
      },
      action: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'acl.get': {
    description: 'get existing ACLs',
    params: {},
    permission: 'admin',
  },
  'acl.getCurrentPermissions': {
    description: 'get (explicit) permissions by object for the current user',
    params: {},
  },
  'acl.remove': {
    description: 'remove an existing ACL entry',
    params: {
      subject: {
        type: 'string',
      },
      object: {
        type: 'string',
      },
      action: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'api.closeAllConnections': {
    description: 'Close all connections to this API except the current one',
    params: {},
    permission: 'admin',
  },
  'api.getConnections': {
    description: 'Get a list of all current connections to this API',
    params: {},
    permission: 'admin',
  },
  'backupNg.checkBackup': {
    params: {
      id: {
        type: 'string',
      },
      settings: {
        type: 'object',
      },
      sr: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'backupNg.createJob': {
    params: {
      compression: {
        enum: ['', 'native', 'zstd'],
        optional: true,
      },
      mode: {
        enum: ['full', 'delta'],
      },
      name: {
        type: 'string',
        optional: true,
      },
      proxy: {
        type: 'string',
        optional: true,
      },
      remotes: {
        type: 'object',
        optional: true,
      },
      schedules: {
        type: 'object',
        optional: true,
      },
      settings: {
        type: 'object',
        properties: {
          '*': {
            type: 'object',
            properties: {
              cbtDestroySnapshotData: {
                type: 'boolean',
                optional: true,
              },
              concurrency: {
                type: 'number',
                minimum: 0,
                optional: true,
              },
              longTermRetention: {
                type: 'object',
                optional: true,
              },
              maxExportRate: {
                type: 'number',
                minimum: 0,
                optional: true,
              },
              nbdConcurrency: {
                type: 'number',
                minimum: 1,
                optional: true,
              },
              nRetriesVmBackupFailures: {
                minimum: 0,
                optional: true,
                type: 'number',
              },
              preferNbd: {
                type: 'boolean',
                optional: true,
              },
              timezone: {
                type: 'string',
                optional: true,
              },
              distributeBackups: {
                type: 'boolean',
                optional: true,
              },
              distributeReplications: {
                type: 'boolean',
                optional: true,
              },
            },
            additionalProperties: true,
          },
        },
        optional: true,
      },
      srs: {
        type: 'object',
        optional: true,
      },
      vms: {
        type: 'object',
      },
    },
    permission: 'admin',
  },
  'backupNg.deleteJob': {
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'backupNg.deleteVmBackup': {
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'backupNg.deleteVmBackups': {
    params: {
      ids: {
        type: 'array',
        items: {
          type: 'string',
        },
      },
    },
    permission: 'admin',
  },
  'backupNg.editJob': {
    params: {
      compression: {
        enum: ['', 'native', 'zstd'],
        optional: true,
      },
      id: {
        type: 'string',
      },
      mode: {
        enum: ['full', 'delta'],
        optional: true,
      },
      name: {
        type: 'string',
        optional: true,
      },
      proxy: {
        type: ['string', 'null'],
        optional: true,
      },
      remotes: {
        type: 'object',
        optional: true,
      },
      settings: {
        type: 'object',
        properties: {
          '*': {
            type: 'object',
            properties: {
              cbtDestroySnapshotData: {
                type: 'boolean',
                optional: true,
              },
              concurrency: {
                type: 'number',
                minimum: 0,
                optional: true,
              },
              longTermRetention: {
                type: 'object',
                optional: true,
              },
              maxExportRate: {
                type: 'number',
                minimum: 0,
                optional: true,
              },
              nbdConcurrency: {
                type: 'number',
                minimum: 1,
                optional: true,
              },
              nRetriesVmBackupFailures: {
                minimum: 0,
                optional: true,
                type: 'number',
              },
              preferNbd: {
                type: 'boolean',
                optional: true,
              },
              timezone: {
                type: 'string',
                optional: true,
              },
              distributeBackups: {
                type: 'boolean',
                optional: true,
              },
              distributeReplications: {
                type: 'boolean',
                optional: true,
              },
            },
            additionalProperties: true,
          },
        },
        optional: true,
      },
      srs: {
        type: 'object',
        optional: true,
      },
      vms: {
        type: 'object',
        optional: true,
      },
    },
    permission: 'admin',
  },
  'backupNg.fetchFiles': {
    params: {
      disk: {
        type: 'string',
      },
      format: {
        type: 'string',
        default: 'tgz',
      },
      partition: {
        optional: true,
        type: 'string',
      },
      paths: {
        items: {
          type: 'string',
        },
        minItems: 1,
        type: 'array',
      },
      remote: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'backupNg.getAllJobs': {
    params: {},
    permission: 'admin',
  },
  'backupNg.getAllLogs': {
    params: {
      ndjson: {
        type: 'boolean',
        optional: true,
      },
    },
    permission: 'admin',
  },
  'backupNg.getJob': {
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'backupNg.getLogs': {
    params: {
      after: {
        type: ['number', 'string'],
        optional: true,
      },
      before: {
        type: ['number', 'string'],
        optional: true,
      },
      limit: {
        type: 'number',
        optional: true,
      },
      '*': {},
    },
    permission: 'admin',
  },
  'backupNg.getSuggestedExcludedTags': {
    params: {},
  },
  'backupNg.importVmBackup': {
    params: {
      id: {
        type: 'string',
      },
      settings: {
        type: 'object',
      },
      sr: {
        type: 'string',
      },
      useDifferentialRestore: {
        type: 'boolean',
        optional: true,
      },
    },
    permission: 'admin',
  },
  'backupNg.listFiles': {
    params: {
      disk: {
        type: 'string',
      },
      partition: {
        type: 'string',
        optional: true,
      },
      path: {
        type: 'string',
      },
      remote: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'backupNg.listMountedPartitions': {
    params: {},
    permission: 'admin',
  },
  'backupNg.listPartitions': {
    params: {
      disk: {
        type: 'string',
      },
      remote: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'backupNg.listVmBackups': {
    params: {
      _forceRefresh: {
        type: 'boolean',
        optional: true,
      },
      remotes: {
        type: 'array',
        items: {
          type: 'string',
        },
      },
    },
    permission: 'admin',
  },
  'backupNg.mountPartition': {
    params: {
      disk: {
        type: 'string',
      },
      partition: {
        optional: true,
        type: 'string',
      },
      remote: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'backupNg.runJob': {
    params: {
      id: {
        type: 'string',
      },
      schedule: {
        type: 'string',
      },
      settings: {
        type: 'object',
        properties: {
          '*': {
            type: 'object',
            properties: {
              cbtDestroySnapshotData: {
                type: 'boolean',
                optional: true,
              },
              concurrency: {
                type: 'number',
                minimum: 0,
                optional: true,
              },
              longTermRetention: {
                type: 'object',
                optional: true,
              },
              maxExportRate: {
                type: 'number',
                minimum: 0,
                optional: true,
              },
              nbdConcurrency: {
                type: 'number',
                minimum: 1,
                optional: true,
              },
              nRetriesVmBackupFailures: {
                minimum: 0,
                optional: true,
                type: 'number',
              },
              preferNbd: {
                type: 'boolean',
                optional: true,
              },
              timezone: {
                type: 'string',
                optional: true,
              },
              distributeBackups: {
                type: 'boolean',
                optional: true,
              },
              distributeReplications: {
                type: 'boolean',
                optional: true,
              },
            },
            additionalProperties: true,
          },
        },
        optional: true,
      },
      vm: {
        type: 'string',
        optional: true,
      },
      vms: {
        type: 'array',
        items: {
          type: 'string',
        },
        optional: true,
      },
    },
    permission: 'admin',
  },
  'backupNg.unmountPartition': {
    params: {
      disk: {
        type: 'string',
      },
      partition: {
        optional: true,
        type: 'string',
      },
      remote: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'cloudConfig.create': {
    description: 'Creates a new cloud config template',
    params: {
      name: {
        type: 'string',
      },
      template: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'cloudConfig.createNetworkConfig': {
    description: 'Creates a new network config template',
    params: {
      name: {
        type: 'string',
      },
      template: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'cloudConfig.delete': {
    description: 'Deletes an existing cloud config template',
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'cloudConfig.getAll': {
    description: 'Gets all existing cloud configs templates',
    params: {},
  },
  'cloudConfig.getAllNetworkConfigs': {
    description: 'Gets all existing network config templates',
    params: {},
  },
  'cloudConfig.update': {
    description: 'Modifies an existing cloud config template',
    params: {
      id: {
        type: 'string',
      },
      name: {
        type: 'string',
        optional: true,
      },
      template: {
        type: 'string',
        optional: true,
      },
    },
    permission: 'admin',
  },
  'customField.add': {
    description: 'Add a new custom field to an object',
    params: {
      id: {
        type: 'string',
      },
      name: {
        type: 'string',
      },
      value: {
        type: 'string',
      },
    },
  },
  'customField.remove': {
    description: 'Remove an existing custom field from an object',
    params: {
      id: {
        type: 'string',
      },
      name: {
        type: 'string',
      },
    },
  },
  'customField.set': {
    description: 'Set a custom field',
    params: {
      id: {
        type: 'string',
      },
      name: {
        type: 'string',
      },
      value: {
        type: 'string',
      },
    },
  },
  'disk.create': {
    description: 'create a new disk on a SR',
    params: {
      name: {
        type: 'string',
      },
      size: {
        type: ['integer', 'string'],
      },
      sr: {
        type: 'string',
      },
      vm: {
        type: 'string',
        optional: true,
      },
      bootable: {
        type: 'boolean',
        optional: true,
      },
      mode: {
        type: 'string',
        optional: true,
      },
      position: {
        type: 'string',
        optional: true,
      },
    },
  },
  'disk.exportContent': {
    description: 'export the content of a VDI',
    params: {
      id: {
        type: 'string',
      },
      format: {
        enum: ['vmdk', 'vhd', 'qcow2'],
        optional: true,
      },
      preferNbd: {
        type: 'boolean',
        optional: true,
      },
      nbdConcurrency: {
        type: 'number',
        optional: true,
      },
    },
  },
  'disk.import': {
    params: {
      description: {
        type: 'string',
        minLength: 0,
        optional: true,
      },
      name: {
        type: 'string',
      },
      sr: {
        type: 'string',
      },
      url: {
        type: 'string',
        optional: true,
      },
      type: {
        type: 'string',
      },
      vmdkData: {
        type: 'object',
        optional: true,
        properties: {
          capacity: {
            type: 'integer',
          },
        },
      },
    },
  },
  'disk.importContent': {
    description: 'import contents into a VDI',
    params: {
      id: {
        type: 'string',
      },
      format: {
        type: 'string',
        optional: true,
        default: 'vhd',
      },
    },
  },
  'docker.deregister': {
    description: 'Deregister the VM for Docker management',
    params: {
      vm: {
        type: 'string',
      },
    },
  },
  'docker.pause': {
    params: {
      vm: {
        type: 'string',
      },
      container: {
        type: 'string',
      },
    },
  },
  'docker.register': {
    description: 'Register the VM for Docker management',
    params: {
      vm: {
        type: 'string',
      },
    },
  },
  'docker.restart': {
    params: {
      vm: {
        type: 'string',
      },
      container: {
        type: 'string',
      },
    },
  },
  'docker.start': {
    params: {
      vm: {
        type: 'string',
      },
      container: {
        type: 'string',
      },
    },
  },
  'docker.stop': {
    params: {
      vm: {
        type: 'string',
      },
      container: {
        type: 'string',
      },
    },
  },
  'docker.unpause': {
    params: {
      vm: {
        type: 'string',
      },
      container: {
        type: 'string',
      },
    },
  },
  'esxi.checkInstall': {
    params: {},
    permission: 'admin',
  },
  'esxi.exportDisk': {
    params: {
      format: {
        type: 'string',
        optional: true,
      },
      host: {
        type: 'string',
      },
      password: {
        type: 'string',
      },
      stopSource: {
        type: 'boolean',
        optional: true,
      },
      user: {
        type: 'string',
      },
      vm: {
        type: 'string',
      },
      disk: {
        type: 'string',
        optional: true,
      },
    },
    permission: 'admin',
  },
  'esxi.importDisk': {
    params: {
      disk: {
        type: 'string',
      },
      format: {
        type: 'string',
        optional: true,
      },
      host: {
        type: 'string',
      },
      password: {
        type: 'string',
      },
      sr: {
        type: 'string',
      },
      sslVerify: {
        type: 'boolean',
        optional: true,
      },
      user: {
        type: 'string',
      },
      vm: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'esxi.installNbdInfoFromSource': {
    params: {},
    permission: 'admin',
  },
  'esxi.installNbdKitFromSource': {
    params: {},
    permission: 'admin',
  },
  'esxi.installVddkLib': {
    params: {},
    permission: 'admin',
  },
  'esxi.listVms': {
    params: {
      host: {
        type: 'string',
      },
      user: {
        type: 'string',
      },
      password: {
        type: 'string',
      },
      sslVerify: {
        type: 'boolean',
        optional: true,
      },
    },
    permission: 'admin',
  },
  'group.addUser': {
    description: 'adds a user to a group',
    params: {
      id: {
        type: 'string',
      },
      userId: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'group.create': {
    description: 'creates a new group',
    params: {
      name: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'group.delete': {
    description: 'deletes an existing group',
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'group.getAll': {
    description: 'returns all the existing group',
    params: {},
    permission: 'admin',
  },
  'group.removeUser': {
    description: 'removes a user from a group',
    params: {
      id: {
        type: 'string',
      },
      userId: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'group.set': {
    description: 'changes the properties of an existing group',
    params: {
      id: {
        type: 'string',
      },
      name: {
        type: 'string',
        optional: true,
      },
    },
    permission: 'admin',
  },
  'group.setUsers': {
    description: 'sets the users belonging to a group',
    params: {
      id: {
        type: 'string',
      },
      userIds: {},
    },
    permission: 'admin',
  },
  'host.detach': {
    description: 'eject the host of a pool',
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'host.disable': {
    description: 'disable to create VM on the host',
    params: {
      id: {
        type: 'string',
      },
      transient: {
        type: 'boolean',
        optional: true,
      },
    },
  },
  'host.emergencyShutdownHost': {
    description: 'suspend all VMs and shutdown host',
    params: {
      host: {
        type: 'string',
      },
    },
  },
  'host.enable': {
    description: 'enable to create VM on the host',
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'host.forget': {
    description: 'remove the host record from XAPI database',
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'host.getBiosInfo': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'host.getBlockdevices': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'host.getMdadmHealth': {
    description: 'retrieve the mdadm RAID health information',
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'host.getSchedulerGranularity': {
    description: 'get the scheduler granularity of a host',
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'host.getSmartctlHealth': {
    description: 'get smartctl health status',
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'host.getSmartctlInformation': {
    description: 'get smartctl information',
    params: {
      id: {
        type: 'string',
      },
      deviceNames: {
        type: 'array',
        items: {
          type: 'string',
        },
        optional: true,
      },
    },
  },
  'host.getSystemStatus': {
    description: 'Download system status (bug report) from a host',
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'host.installCertificate': {
    description: 'Install a certificate on a host',
    params: {
      id: {
        type: 'string',
      },
      certificate: {
        type: 'string',
      },
      chain: {
        type: 'string',
        optional: true,
      },
      privateKey: {
        type: 'string',
      },
    },
  },
  'host.installSupplementalPack': {
    description: 'installs supplemental pack from ISO file',
    params: {
      host: {
        type: 'string',
      },
    },
  },
  'host.isHostServerTimeConsistent': {
    params: {
      host: {
        type: 'string',
      },
    },
  },
  'host.isHyperThreadingEnabled': {
    description: 'get hyper-threading information',
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'host.isPubKeyTooShort': {
    description: 'check if host public TLS key is long enough',
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'host.managementReconfigure': {
    description: 'Reconfigure the management interface of the host to use the given PIF',
    params: {
      id: {
        type: 'string',
      },
      pif: {
        type: 'string',
      },
    },
  },
  'host.restart': {
    description: 'restart the host',
    params: {
      bypassBackupCheck: {
        type: 'boolean',
        optional: true,
      },
      bypassBlockedSuspend: {
        type: 'boolean',
        optional: true,
      },
      bypassCurrentVmCheck: {
        type: 'boolean',
        optional: true,
      },
      id: {
        type: 'string',
      },
      force: {
        type: 'boolean',
        optional: true,
      },
      suspendResidentVms: {
        type: 'boolean',
        default: false,
      },
      bypassVersionCheck: {
        type: 'boolean',
        optional: true,
      },
    },
  },
  'host.restartAgent': {
    description: 'restart the Xen agent on the host',
    params: {
      bypassBackupCheck: {
        type: 'boolean',
        optional: true,
      },
      id: {
        type: 'string',
      },
    },
  },
  'host.restart_agent': {
    description: 'restart the Xen agent on the host',
    params: {
      bypassBackupCheck: {
        type: 'boolean',
        optional: true,
      },
      id: {
        type: 'string',
      },
    },
  },
  'host.scanPifs': {
    description: 'Refresh the list of physical interfaces for this host',
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'host.set': {
    description: 'changes the properties of an host',
    params: {
      id: {
        type: 'string',
      },
      iscsiIqn: {
        type: 'string',
        optional: true,
      },
      name_label: {
        type: 'string',
        optional: true,
      },
      name_description: {
        type: 'string',
        minLength: 0,
        optional: true,
      },
      multipathing: {
        type: 'boolean',
        optional: true,
      },
    },
  },
  'host.setControlDomainMemory': {
    description: "Set host's control domain memory and restart the host",
    params: {
      id: {
        type: 'string',
      },
      memory: {
        type: 'number',
      },
    },
  },
  'host.setMaintenanceMode': {
    description: 'manage the maintenance mode',
    params: {
      id: {
        type: 'string',
      },
      maintenance: {
        type: 'boolean',
      },
      vmsToForceMigrate: {
        type: 'array',
        items: {
          type: 'string',
        },
        optional: true,
      },
    },
  },
  'host.setRemoteSyslogHost': {
    params: {
      id: {
        type: 'string',
      },
      syslogDestination: {
        type: ['null', 'string'],
      },
    },
  },
  'host.setSchedulerGranularity': {
    description: 'set scheduler granularity of a host',
    params: {
      id: {
        type: 'string',
      },
      schedulerGranularity: {
        enum: ['cpu', 'core', 'socket'],
      },
    },
  },
  'host.start': {
    description: 'start the host',
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'host.stats': {
    description: 'returns statistic of the host',
    params: {
      host: {
        type: 'string',
      },
      granularity: {
        type: 'string',
        optional: true,
      },
    },
  },
  'host.stop': {
    description: 'stop the host',
    params: {
      bypassBackupCheck: {
        type: 'boolean',
        optional: true,
      },
      id: {
        type: 'string',
      },
      bypassEvacuate: {
        type: 'boolean',
        optional: true,
      },
    },
  },
  'hub.recipe.createKubernetesCluster': {
    description: 'Creates a Kubernetes cluster',
    params: {
      clusterName: {
        type: 'string',
      },
      controlPlaneIpAddress: {
        type: 'string',
        optional: true,
      },
      controlPlaneIpAddresses: {
        type: 'array',
        items: {
          type: 'string',
        },
        optional: true,
        uniqueItems: true,
      },
      gatewayIpAddress: {
        type: 'string',
        optional: true,
      },
      controlPlanePoolSize: {
        type: 'integer',
        default: 1,
        enum: [1, 3, 5, 7],
      },
      k8sVersion: {
        type: 'string',
        pattern: '[0-9a-zA-Z.]+',
        optional: true,
      },
      nameservers: {
        type: 'array',
        items: {
          type: 'string',
        },
        optional: true,
      },
      nbNodes: {
        type: 'integer',
      },
      network: {
        type: 'string',
      },
      searches: {
        type: 'array',
        items: {
          type: 'string',
        },
        optional: true,
      },
      sr: {
        type: 'string',
      },
      sshKey: {
        type: 'string',
      },
      vipAddress: {
        type: 'string',
        optional: true,
      },
      workerNodeIpAddresses: {
        type: 'array',
        items: {
          type: 'string',
        },
        optional: true,
      },
      xoUrl: {
        type: 'string',
      },
      useInsecureXoConnection: {
        type: 'boolean',
        default: false,
      },
      customClusterPodCIDR: {
        type: 'string',
        optional: true,
        default: '10.1.0.0/16',
      },
      customClusterServiceCIDR: {
        type: 'string',
        optional: true,
        default: '10.152.183.0/24',
      },
    },
    permission: 'admin',
  },
  'ipPool.create': {
    description: 'Creates a new ipPool',
    params: {},
    permission: 'admin',
  },
  'ipPool.delete': {
    description: 'Delete an ipPool',
    params: {},
    permission: 'admin',
  },
  'ipPool.getAll': {
    description: 'List all ipPools',
    params: {
      userId: {
        type: 'string',
        optional: true,
      },
    },
  },
  'ipPool.set': {
    description: 'Allow to modify an existing ipPool',
    params: {},
    permission: 'admin',
  },
  'job.cancel': {
    description: 'Cancel a current run',
    params: {},
    permission: 'admin',
  },
  'job.create': {
    description: 'Creates a new job from description object',
    params: {
      job: {
        type: 'object',
        properties: {
          userId: {
            type: 'string',
            optional: true,
          },
          name: {
            type: 'string',
            optional: true,
          },
          timeout: {
            type: 'number',
            optional: true,
          },
          type: {
            type: 'string',
          },
          key: {
            type: 'string',
          },
          method: {
            type: 'string',
          },
          paramsVector: {
            type: 'object',
            properties: {
              type: {
                type: 'string',
              },
              items: {
                type: 'array',
                items: {
                  type: 'object',
                },
              },
            },
            optional: true,
          },
        },
      },
    },
    permission: 'admin',
  },
  'job.delete': {
    description: 'Deletes an existing job',
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'job.get': {
    description: 'Gets an existing job',
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'job.getAll': {
    description: 'Gets all available jobs',
    params: {},
    permission: 'admin',
  },
  'job.runSequence': {
    description: 'Runs jobs sequentially, in the provided order',
    params: {
      idSequence: {
        type: 'array',
        items: {
          type: 'string',
        },
      },
    },
    permission: 'admin',
  },
  'job.set': {
    description: 'Modifies an existing job from a description object',
    params: {
      job: {
        type: 'object',
        properties: {
          id: {
            type: 'string',
          },
          name: {
            type: 'string',
            optional: true,
          },
          timeout: {
            type: ['number', 'null'],
            optional: true,
          },
          type: {
            type: 'string',
            optional: true,
          },
          key: {
            type: 'string',
            optional: true,
          },
          method: {
            type: 'string',
            optional: true,
          },
          paramsVector: {
            type: 'object',
            properties: {
              type: {
                type: 'string',
              },
              items: {
                type: 'array',
                items: {
                  type: 'object',
                },
              },
            },
            optional: true,
          },
          userId: {
            type: 'string',
            optional: true,
          },
        },
      },
    },
    permission: 'admin',
  },
  'log.delete': {
    description: 'deletes one or several logs from a namespace',
    params: {
      id: {
        type: ['array', 'string'],
      },
      namespace: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'log.get': {
    description: 'returns logs list for one namespace',
    params: {
      namespace: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'message.delete': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'metadataBackup.createJob': {
    params: {
      name: {
        type: 'string',
        optional: true,
      },
      pools: {
        type: 'object',
        optional: true,
      },
      proxy: {
        type: 'string',
        optional: true,
      },
      remotes: {
        type: 'object',
      },
      schedules: {
        type: 'object',
      },
      settings: {
        type: 'object',
      },
      xoMetadata: {
        type: 'boolean',
        optional: true,
      },
    },
    permission: 'admin',
  },
  'metadataBackup.delete': {
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'metadataBackup.deleteJob': {
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'metadataBackup.editJob': {
    params: {
      id: {
        type: 'string',
      },
      name: {
        type: 'string',
        optional: true,
      },
      pools: {
        type: ['object', 'null'],
        optional: true,
      },
      proxy: {
        type: ['string', 'null'],
        optional: true,
      },
      settings: {
        type: 'object',
        optional: true,
      },
      remotes: {
        type: 'object',
        optional: true,
      },
      xoMetadata: {
        type: 'boolean',
        optional: true,
      },
    },
    permission: 'admin',
  },
  'metadataBackup.getAllJobs': {
    params: {},
    permission: 'admin',
  },
  'metadataBackup.getJob': {
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'metadataBackup.list': {
    params: {
      remotes: {
        type: 'array',
        items: {
          type: 'string',
        },
      },
    },
    permission: 'admin',
  },
  'metadataBackup.restore': {
    params: {
      id: {
        type: 'string',
      },
      pool: {
        type: 'string',
        optional: true,
      },
    },
    permission: 'admin',
  },
  'metadataBackup.runJob': {
    params: {
      id: {
        type: 'string',
      },
      schedule: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'mirrorBackup.createJob': {
    params: {
      mode: {
        enum: ['full', 'delta'],
      },
      name: {
        type: 'string',
        optional: true,
      },
      proxy: {
        type: 'string',
        optional: true,
      },
      sourceRemote: {
        type: 'string',
      },
      remotes: {
        type: 'object',
      },
      schedules: {
        type: 'object',
        optional: true,
      },
      filter: {
        type: 'object',
        nullable: true,
        optional: true,
        properties: {
          vm: {
            type: 'object',
            properties: {
              uuid: {
                type: 'object',
                properties: {
                  __or: {
                    type: 'array',
                    items: {
                      type: 'string',
                    },
                    minItems: 1,
                  },
                },
              },
            },
          },
        },
      },
      settings: {
        type: 'object',
        properties: {
          '*': {
            type: 'object',
            properties: {
              concurrency: {
                type: 'number',
                minimum: 0,
                optional: true,
              },
              maxExportRate: {
                type: 'number',
                minimum: 0,
                optional: true,
              },
            },
            additionalProperties: true,
          },
        },
        optional: true,
      },
    },
    permission: 'admin',
  },
  'mirrorBackup.deleteJob': {
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'mirrorBackup.editJob': {
    params: {
      id: {
        type: 'string',
      },
      mode: {
        enum: ['full', 'delta'],
      },
      name: {
        type: 'string',
        optional: true,
      },
      proxy: {
        type: 'string',
        optional: true,
      },
      sourceRemote: {
        type: 'string',
      },
      remotes: {
        type: 'object',
      },
      filter: {
        type: 'object',
        nullable: true,
        optional: true,
        properties: {
          vm: {
            type: 'object',
            properties: {
              uuid: {
                type: 'object',
                properties: {
                  __or: {
                    type: 'array',
                    items: {
                      type: 'string',
                    },
                    minItems: 1,
                  },
                },
              },
            },
          },
        },
      },
      settings: {
        type: 'object',
        properties: {
          '*': {
            type: 'object',
            properties: {
              concurrency: {
                type: 'number',
                minimum: 0,
                optional: true,
              },
              maxExportRate: {
                type: 'number',
                minimum: 0,
                optional: true,
              },
            },
            additionalProperties: true,
          },
        },
        optional: true,
      },
    },
    permission: 'admin',
  },
  'mirrorBackup.getAllJobs': {
    params: {},
    permission: 'admin',
  },
  'mirrorBackup.getJob': {
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'mirrorBackup.runJob': {
    params: {
      id: {
        type: 'string',
      },
      schedule: {
        type: 'string',
      },
      settings: {
        type: 'object',
        properties: {
          '*': {
            type: 'object',
            properties: {
              concurrency: {
                type: 'number',
                minimum: 0,
                optional: true,
              },
              maxExportRate: {
                type: 'number',
                minimum: 0,
                optional: true,
              },
            },
            additionalProperties: true,
          },
        },
        optional: true,
      },
      vm: {
        type: 'string',
        optional: true,
      },
      vms: {
        type: 'array',
        items: {
          type: 'string',
        },
        optional: true,
      },
    },
    permission: 'admin',
  },
  'network.create': {
    params: {
      pool: {
        type: 'string',
      },
      name: {
        type: 'string',
      },
      nbd: {
        type: 'boolean',
        optional: true,
      },
      description: {
        type: 'string',
        minLength: 0,
        optional: true,
      },
      pif: {
        type: 'string',
        optional: true,
      },
      mtu: {
        type: 'integer',
        optional: true,
        minimum: 68,
      },
      vlan: {
        type: 'integer',
        optional: true,
      },
    },
  },
  'network.createBonded': {
    description: 'Create a bonded network. bondMode can be balance-slb, active-backup or lacp',
    params: {
      pool: {
        type: 'string',
      },
      name: {
        type: 'string',
      },
      description: {
        type: 'string',
        minLength: 0,
        optional: true,
      },
      pifs: {
        type: 'array',
        items: {
          type: 'string',
        },
      },
      mtu: {
        type: 'integer',
        optional: true,
        minimum: 68,
      },
      bondMode: {
        enum: ['balance-slb', 'active-backup', 'lacp'],
      },
    },
  },
  'network.delete': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'network.getBondModes': {
    params: {},
  },
  'network.set': {
    params: {
      automatic: {
        type: 'boolean',
        optional: true,
      },
      defaultIsLocked: {
        type: 'boolean',
        optional: true,
      },
      id: {
        type: 'string',
      },
      mtu: {
        type: 'integer',
        minimum: 68,
        optional: true,
      },
      name_description: {
        type: 'string',
        minLength: 0,
        optional: true,
      },
      name_label: {
        type: 'string',
        optional: true,
      },
      nbd: {
        type: 'boolean',
        optional: true,
      },
    },
  },
  'pbd.connect': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'pbd.delete': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'pbd.disconnect': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'pci.disableDom0Access': {
    params: {
      pcis: {
        type: 'array',
        items: {
          type: 'string',
        },
      },
      disable: {
        type: 'boolean',
      },
      forceReboot: {
        type: 'boolean',
        optional: true,
      },
    },
  },
  'pci.getDom0AccessStatus': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'pif.connect': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'pif.delete': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'pif.disconnect': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'pif.editPif': {
    params: {
      id: {
        type: 'string',
      },
      vlan: {
        type: ['integer', 'string'],
      },
    },
  },
  'pif.getIpv4ConfigurationModes': {
    params: {},
  },
  'pif.getIpv6ConfigurationModes': {
    params: {},
  },
  'pif.reconfigureIp': {
    params: {
      id: {
        type: 'string',
        optional: true,
      },
      mode: {
        type: 'string',
        optional: true,
      },
      ip: {
        type: 'string',
        minLength: 0,
        optional: true,
      },
      netmask: {
        type: 'string',
        minLength: 0,
        optional: true,
      },
      gateway: {
        type: 'string',
        minLength: 0,
        optional: true,
      },
      dns: {
        type: 'string',
        minLength: 0,
        optional: true,
      },
      ipv6: {
        type: 'string',
        minLength: 0,
        default: '',
      },
      ipv6Mode: {
        enum: ['None', 'DHCP', 'Static', 'Autoconf'],
        optional: true,
      },
    },
  },
  'plugin.configure': {
    description: 'sets the configuration of a plugin',
    params: {
      id: {
        type: 'string',
      },
      configuration: {},
    },
    permission: 'admin',
  },
  'plugin.disableAutoload': {
    description: '',
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'plugin.enableAutoload': {
    description: 'enables a plugin, allowing it to be loaded',
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'plugin.get': {
    description: 'returns a list of all installed plugins',
    params: {},
    permission: 'admin',
  },
  'plugin.load': {
    description: 'loads a plugin',
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'plugin.purgeConfiguration': {
    description: 'removes a plugin configuration',
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'plugin.test': {
    description: 'Test a plugin with its current configuration',
    params: {
      id: {
        type: 'string',
      },
      data: {
        optional: true,
      },
    },
    permission: 'admin',
  },
  'plugin.unload': {
    description: 'unloads a plugin',
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'pool.disableHa': {
    params: {
      pool: {
        type: 'string',
      },
    },
  },
  'pool.enableHa': {
    params: {
      pool: {
        type: 'string',
      },
      heartbeatSrs: {
        type: 'array',
        items: {
          type: 'string',
        },
      },
      configuration: {
        type: 'object',
      },
    },
  },
  'pool.getGuestSecureBootReadiness': {
    params: {
      id: {
        type: 'string',
      },
      forceRefresh: {
        type: 'boolean',
        default: false,
      },
    },
  },
  'pool.getLicenseState': {
    params: {
      pool: {
        type: 'string',
      },
    },
  },
  'pool.getPatchesDifference': {
    params: {
      source: {
        type: 'string',
      },
      target: {
        type: 'string',
      },
    },
  },
  'pool.getSystemStatuses': {
    description: 'Download system status (bug report) from all hosts in a pool',
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'pool.installPatches': {
    description: 'Install patches on hosts',
    params: {
      pool: {
        type: 'string',
        optional: true,
      },
      patches: {
        type: 'array',
        optional: true,
      },
      hosts: {
        type: 'array',
        optional: true,
      },
      xsHash: {
        type: 'string',
        optional: true,
      },
    },
  },
  'pool.installSupplementalPack': {
    description: 'installs supplemental pack from ISO file on all hosts',
    params: {
      pool: {
        type: 'string',
      },
    },
  },
  'pool.listMissingPatches': {
    description: 'return an array of missing new patches in the host',
    params: {
      host: {
        type: 'string',
      },
    },
  },
  'pool.listPoolsMatchingCriteria': {
    params: {
      minAvailableHostMemory: {
        type: 'number',
        optional: true,
      },
      minAvailableSrSize: {
        type: 'number',
        optional: true,
      },
      minHostCpus: {
        type: 'number',
        optional: true,
      },
      minHostVersion: {
        type: 'string',
        optional: true,
      },
      poolNameRegExp: {
        type: 'string',
        optional: true,
      },
      srNameRegExp: {
        type: 'string',
        optional: true,
      },
    },
  },
  'pool.managementReconfigure': {
    description: 'Reconfigure the management interface for all hosts in the pool to use the given network',
    params: {
      id: {
        type: 'string',
      },
      network: {
        type: 'string',
      },
    },
  },
  'pool.mergeInto': {
    params: {
      force: {
        type: 'boolean',
        optional: true,
      },
      source: {
        type: 'string',
        optional: true,
      },
      sources: {
        type: 'array',
        items: {
          type: 'string',
        },
        optional: true,
      },
      target: {
        type: 'string',
      },
    },
  },
  'pool.rollingReboot': {
    params: {
      bypassBackupCheck: {
        default: false,
        type: 'boolean',
      },
      pool: {
        type: 'string',
      },
      shutdownPinnedVms: {
        default: false,
        type: 'boolean',
      },
    },
  },
  'pool.rollingUpdate': {
    params: {
      bypassBackupCheck: {
        optional: true,
        type: 'boolean',
      },
      pool: {
        type: 'string',
      },
      rebootVm: {
        optional: true,
        type: 'boolean',
      },
      shutdownPinnedVms: {
        default: false,
        type: 'boolean',
      },
    },
  },
  'pool.set': {
    params: {
      id: {
        type: 'string',
      },
      auto_poweron: {
        type: 'boolean',
        optional: true,
      },
      name_label: {
        type: 'string',
        optional: true,
      },
      name_description: {
        type: 'string',
        minLength: 0,
        optional: true,
      },
      backupNetwork: {
        type: ['string', 'null'],
        optional: true,
      },
      migrationCompression: {
        type: 'boolean',
        optional: true,
      },
      migrationNetwork: {
        type: ['string', 'null'],
        optional: true,
      },
      suspendSr: {
        type: ['string', 'null'],
        optional: true,
      },
      crashDumpSr: {
        type: ['string', 'null'],
        optional: true,
      },
    },
  },
  'pool.setDefaultSr': {
    params: {
      sr: {
        type: 'string',
      },
    },
  },
  'pool.setPoolMaster': {
    params: {
      host: {
        type: 'string',
      },
    },
  },
  'proxy.checkHealth': {
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'proxy.deploy': {
    params: {
      httpProxy: {
        type: 'string',
        optional: true,
      },
      license: {
        type: 'string',
      },
      sr: {
        type: 'string',
      },
      network: {
        type: 'string',
        optional: true,
      },
      networkConfiguration: {
        type: 'object',
        optional: true,
        properties: {
          ip: {
            type: 'string',
          },
          netmask: {
            type: 'string',
          },
          gateway: {
            type: 'string',
          },
          dns: {
            type: 'string',
          },
        },
      },
      proxy: {
        type: 'string',
        optional: true,
      },
    },
    permission: 'admin',
  },
  'proxy.destroy': {
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'proxy.get': {
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'proxy.getAll': {
    params: {},
    permission: 'admin',
  },
  'proxy.getApplianceUpdaterState': {
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'proxy.openSupportTunnel': {
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'proxy.register': {
    params: {
      address: {
        type: 'string',
        optional: true,
      },
      vm: {
        type: 'string',
        optional: true,
      },
      vmUuid: {
        type: 'string',
        optional: true,
      },
      name: {
        type: 'string',
        optional: true,
      },
      authenticationToken: {
        type: 'string',
        optional: true,
      },
    },
    permission: 'admin',
  },
  'proxy.unregister': {
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'proxy.update': {
    params: {
      id: {
        type: 'string',
      },
      address: {
        type: ['string', 'null'],
        optional: true,
      },
      vm: {
        type: ['string', 'null'],
        optional: true,
      },
      name: {
        type: 'string',
        optional: true,
      },
      authenticationToken: {
        type: 'string',
        optional: true,
      },
    },
    permission: 'admin',
  },
  'proxy.updateApplianceSettings': {
    params: {
      id: {
        type: 'string',
      },
      httpProxy: {
        type: ['string', 'null'],
        optional: true,
      },
      register: {
        type: 'boolean',
        optional: true,
      },
      xoaPassword: {
        type: 'string',
        optional: true,
      },
    },
    permission: 'admin',
  },
  'proxy.upgradeAppliance': {
    params: {
      force: {
        type: 'boolean',
        optional: true,
      },
      id: {
        type: 'string',
      },
      ignoreRunningJobs: {
        type: 'boolean',
        optional: true,
      },
    },
    permission: 'admin',
  },
  'pusb.scan': {
    params: {
      host: {
        type: 'string',
      },
    },
  },
  'pusb.set': {
    params: {
      id: {
        type: 'string',
      },
      enabled: {
        type: 'boolean',
        optional: true,
      },
    },
  },
  'remote.create': {
    description: 'Creates a new fs remote point',
    params: {
      name: {
        type: 'string',
      },
      options: {
        type: 'string',
        optional: true,
      },
      proxy: {
        type: 'string',
        optional: true,
      },
      url: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'remote.delete': {
    description: 'Deletes an existing fs remote point',
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'remote.get': {
    description: 'Gets an existing fs remote point',
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'remote.getAll': {
    description: 'Gets all existing fs remote points',
    params: {},
    permission: 'admin',
  },
  'remote.getAllInfo': {
    description: 'Gets all info of remote',
    params: {},
    permission: 'admin',
  },
  'remote.set': {
    description: 'Modifies an existing fs remote point',
    params: {
      enabled: {
        type: 'boolean',
        optional: true,
      },
      id: {
        type: 'string',
      },
      name: {
        type: 'string',
        optional: true,
      },
      options: {
        type: ['string', 'null'],
        optional: true,
      },
      proxy: {
        type: ['string', 'null'],
        optional: true,
      },
      url: {
        type: 'string',
        optional: true,
      },
    },
    permission: 'admin',
  },
  'remote.test': {
    description: 'Performs a read/write matching test on a remote point',
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'resourceSet.addLimit': {
    params: {
      id: {
        type: 'string',
      },
      limitId: {
        type: 'string',
      },
      quantity: {
        type: 'integer',
      },
    },
    permission: 'admin',
  },
  'resourceSet.addObject': {
    params: {
      id: {
        type: 'string',
      },
      object: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'resourceSet.addSubject': {
    params: {
      id: {
        type: 'string',
      },
      subject: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'resourceSet.create': {
    params: {
      name: {
        type: 'string',
      },
      subjects: {
        type: 'array',
        items: {
          type: 'string',
        },
        optional: true,
      },
      objects: {
        type: 'array',
        items: {
          type: 'string',
        },
        optional: true,
      },
      limits: {
        type: 'object',
        optional: true,
      },
      tags: {
        type: 'array',
        items: {
          type: 'string',
        },
        optional: true,
      },
      shareByDefault: {
        type: 'boolean',
        optional: true,
      },
    },
    permission: 'admin',
  },
  'resourceSet.delete': {
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'resourceSet.get': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'resourceSet.getAll': {
    description: 'Get the list of all existing resource set',
    params: {},
  },
  'resourceSet.recomputeAllLimits': {
    description: 'Recompute manually the current resource set usage',
    params: {},
    permission: 'admin',
  },
  'resourceSet.removeLimit': {
    params: {
      id: {
        type: 'string',
      },
      limitId: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'resourceSet.removeObject': {
    params: {
      id: {
        type: 'string',
      },
      object: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'resourceSet.removeSubject': {
    params: {
      id: {
        type: 'string',
      },
      subject: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'resourceSet.set': {
    params: {
      id: {
        type: 'string',
      },
      name: {
        type: 'string',
        optional: true,
      },
      shareByDefault: {
        type: 'boolean',
        optional: true,
      },
      subjects: {
        type: 'array',
        items: {
          type: 'string',
        },
        optional: true,
      },
      objects: {
        type: 'array',
        items: {
          type: 'string',
        },
        optional: true,
      },
      ipPools: {
        type: 'array',
        items: {
          type: 'string',
        },
        optional: true,
      },
      limits: {
        type: 'object',
        optional: true,
      },
      tags: {
        type: 'array',
        items: {
          type: 'string',
        },
        optional: true,
      },
    },
    permission: 'admin',
  },
  'role.getAll': {
    description: 'Returns the list of all existing roles',
    params: {},
  },
  'schedule.create': {
    description: 'Creates a new schedule',
    params: {
      cron: {
        type: 'string',
      },
      enabled: {
        type: 'boolean',
        optional: true,
      },
      jobId: {
        type: 'string',
      },
      name: {
        type: 'string',
        minLength: 0,
        optional: true,
      },
      timezone: {
        type: 'string',
        optional: true,
      },
    },
    permission: 'admin',
  },
  'schedule.delete': {
    description: 'Deletes an existing schedule',
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'schedule.get': {
    description: 'Gets an existing schedule',
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'schedule.getAll': {
    description: 'Gets all existing schedules',
    params: {},
    permission: 'admin',
  },
  'schedule.runSequence': {
    description: 'Run a sequence of schedules, one after the other',
    params: {
      schedules: {
        type: 'array',
        items: {
          type: 'string',
        },
      },
    },
    permission: 'admin',
  },
  'schedule.set': {
    description: 'Modifies an existing schedule',
    params: {
      cron: {
        type: 'string',
        optional: true,
      },
      enabled: {
        type: 'boolean',
        optional: true,
      },
      id: {
        type: 'string',
      },
      jobId: {
        type: 'string',
        optional: true,
      },
      name: {
        type: ['string', 'null'],
        minLength: 0,
        optional: true,
      },
      timezone: {
        type: 'string',
        optional: true,
      },
    },
    permission: 'admin',
  },
  'server.add': {
    description: 'register a new Xen server',
    params: {
      label: {
        optional: true,
        type: 'string',
      },
      host: {
        type: 'string',
      },
      username: {
        type: 'string',
      },
      password: {
        type: 'string',
      },
      autoConnect: {
        optional: true,
        type: 'boolean',
      },
      allowUnauthorized: {
        optional: true,
        type: 'boolean',
      },
      httpProxy: {
        optional: true,
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'server.disable': {
    description: 'disable a Xen server',
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'server.enable': {
    description: 'enable a Xen server',
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'server.getAll': {
    description: 'returns all the registered Xen server',
    params: {},
    permission: 'admin',
  },
  'server.remove': {
    description: 'unregister a Xen server',
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'server.set': {
    description: 'changes the properties of a Xen server',
    params: {
      id: {
        type: 'string',
      },
      label: {
        type: ['null', 'string'],
        optional: true,
      },
      host: {
        type: 'string',
        optional: true,
      },
      username: {
        type: 'string',
        optional: true,
      },
      password: {
        type: 'string',
        optional: true,
      },
      allowUnauthorized: {
        optional: true,
        type: 'boolean',
      },
      readOnly: {
        optional: true,
        type: 'boolean',
      },
      httpProxy: {
        optional: true,
        type: ['string', 'null'],
      },
    },
    permission: 'admin',
  },
  'session.getUser': {
    description: 'return the currently connected user',
    params: {},
    permission: null,
  },
  'session.signIn': {
    description: 'sign in',
    params: {},
    permission: null,
  },
  'session.signInWithPassword': {
    description: 'sign in',
    params: {
      email: {
        type: 'string',
      },
      password: {
        type: 'string',
      },
    },
    permission: null,
  },
  'session.signInWithToken': {
    description: 'sign in',
    params: {
      token: {
        type: 'string',
      },
    },
    permission: null,
  },
  'session.signOut': {
    description: 'sign out the user from the current session',
    params: {},
  },
  'sm.getFromSr': {
    description: 'Get SM from SR Type',
    params: {
      sr: {
        type: 'string',
      },
    },
  },
  'sr.connectAllPbds': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'sr.createExt': {
    params: {
      host: {
        type: 'string',
      },
      nameLabel: {
        type: 'string',
      },
      nameDescription: {
        type: 'string',
        minLength: 0,
      },
      device: {
        type: 'string',
      },
      preferredImageFormat: {
        enum: ['vhd', 'qcow2', 'vhd, qcow2', 'qcow2, vhd'],
        optional: true,
      },
    },
  },
  'sr.createHba': {
    params: {
      host: {
        type: 'string',
      },
      nameLabel: {
        type: 'string',
      },
      nameDescription: {
        type: 'string',
        minLength: 0,
      },
      scsiId: {
        type: 'string',
      },
      srUuid: {
        type: 'string',
        optional: true,
      },
      preferredImageFormat: {
        enum: ['vhd', 'qcow2', 'vhd, qcow2', 'qcow2, vhd'],
        optional: true,
      },
    },
  },
  'sr.createIscsi': {
    params: {
      host: {
        type: 'string',
      },
      nameLabel: {
        type: 'string',
      },
      nameDescription: {
        type: 'string',
        minLength: 0,
      },
      target: {
        type: 'string',
      },
      port: {
        type: 'integer',
        optional: true,
      },
      targetIqn: {
        type: 'string',
      },
      scsiId: {
        type: 'string',
      },
      chapUser: {
        type: 'string',
        optional: true,
      },
      chapPassword: {
        type: 'string',
        optional: true,
      },
      srUuid: {
        type: 'string',
        optional: true,
      },
      preferredImageFormat: {
        enum: ['vhd', 'qcow2', 'vhd, qcow2', 'qcow2, vhd'],
        optional: true,
      },
    },
  },
  'sr.createIso': {
    params: {
      host: {
        type: 'string',
      },
      nameLabel: {
        type: 'string',
      },
      nameDescription: {
        type: 'string',
        minLength: 0,
      },
      path: {
        type: 'string',
      },
      type: {
        type: 'string',
      },
      user: {
        type: 'string',
        optional: true,
      },
      password: {
        type: 'string',
        optional: true,
      },
      nfsVersion: {
        type: 'string',
        optional: true,
      },
      nfsOptions: {
        type: 'string',
        optional: true,
      },
      srUuid: {
        type: 'string',
        optional: true,
      },
    },
  },
  'sr.createLvm': {
    params: {
      host: {
        type: 'string',
      },
      nameLabel: {
        type: 'string',
      },
      nameDescription: {
        type: 'string',
        minLength: 0,
      },
      device: {
        type: 'string',
      },
      preferredImageFormat: {
        enum: ['vhd', 'qcow2', 'vhd, qcow2', 'qcow2, vhd'],
        optional: true,
      },
    },
  },
  'sr.createNfs': {
    params: {
      host: {
        type: 'string',
      },
      nameLabel: {
        type: 'string',
      },
      nameDescription: {
        type: 'string',
        minLength: 0,
      },
      server: {
        type: 'string',
      },
      serverPath: {
        type: 'string',
      },
      nfsVersion: {
        type: 'string',
        optional: true,
      },
      nfsOptions: {
        type: 'string',
        optional: true,
      },
      srUuid: {
        type: 'string',
        optional: true,
      },
      preferredImageFormat: {
        enum: ['vhd', 'qcow2', 'vhd, qcow2', 'qcow2, vhd'],
        optional: true,
      },
    },
  },
  'sr.createSmb': {
    params: {
      host: {
        type: 'string',
      },
      nameLabel: {
        type: 'string',
      },
      nameDescription: {
        type: 'string',
        minLength: 0,
        default: '',
      },
      server: {
        type: 'string',
      },
      srUuid: {
        type: 'string',
        optional: true,
      },
      user: {
        type: 'string',
        optional: true,
      },
      password: {
        type: 'string',
        optional: true,
      },
      preferredImageFormat: {
        enum: ['vhd', 'qcow2', 'vhd, qcow2', 'qcow2, vhd'],
        optional: true,
      },
    },
  },
  'sr.createZfs': {
    params: {
      host: {
        type: 'string',
      },
      nameLabel: {
        type: 'string',
      },
      nameDescription: {
        type: 'string',
        minLength: 0,
      },
      location: {
        type: 'string',
      },
      preferredImageFormat: {
        enum: ['vhd', 'qcow2', 'vhd, qcow2', 'qcow2, vhd'],
        optional: true,
      },
    },
  },
  'sr.destroy': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'sr.disableMaintenanceMode': {
    description: 'disable the maintenance of the SR',
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'sr.disconnectAllPbds': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'sr.enableMaintenanceMode': {
    description: 'switch the SR into maintenance mode',
    params: {
      id: {
        type: 'string',
      },
      vmsToShutdown: {
        type: 'array',
        items: {
          type: 'string',
        },
        optional: true,
      },
    },
    permission: 'admin',
  },
  'sr.forget': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'sr.getAllUnhealthyVdiChainsLength': {
    params: {},
    permission: 'admin',
  },
  'sr.getVdiChainsInfo': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'sr.probeHba': {
    params: {
      host: {
        type: 'string',
      },
    },
  },
  'sr.probeHbaExists': {
    params: {
      host: {
        type: 'string',
      },
      scsiId: {
        type: 'string',
      },
    },
  },
  'sr.probeIscsiExists': {
    params: {
      host: {
        type: 'string',
      },
      target: {
        type: 'string',
      },
      port: {
        type: 'integer',
        optional: true,
      },
      targetIqn: {
        type: 'string',
      },
      scsiId: {
        type: 'string',
      },
      chapUser: {
        type: 'string',
        optional: true,
      },
      chapPassword: {
        type: 'string',
        optional: true,
      },
    },
  },
  'sr.probeIscsiIqns': {
    params: {
      host: {
        type: 'string',
      },
      target: {
        type: 'string',
      },
      port: {
        type: 'integer',
        optional: true,
      },
      chapUser: {
        type: 'string',
        optional: true,
      },
      chapPassword: {
        type: 'string',
        optional: true,
      },
    },
  },
  'sr.probeIscsiLuns': {
    params: {
      host: {
        type: 'string',
      },
      target: {
        type: 'string',
      },
      port: {
        type: 'integer',
        optional: true,
      },
      targetIqn: {
        type: 'string',
      },
      chapUser: {
        type: 'string',
        optional: true,
      },
      chapPassword: {
        type: 'string',
        optional: true,
      },
    },
  },
  'sr.probeNfs': {
    params: {
      host: {
        type: 'string',
      },
      nfsVersion: {
        type: 'string',
        optional: true,
      },
      server: {
        type: 'string',
      },
    },
  },
  'sr.probeNfsExists': {
    params: {
      host: {
        type: 'string',
      },
      nfsVersion: {
        type: 'string',
        optional: true,
      },
      server: {
        type: 'string',
      },
      serverPath: {
        type: 'string',
      },
    },
  },
  'sr.probeZfs': {
    params: {
      host: {
        type: 'string',
      },
    },
  },
  'sr.reclaimSpace': {
    description: 'reclaim freed space on SR',
    params: {
      id: {
        type: 'string',
      },
      bypassBackupCheck: {
        type: 'boolean',
        optional: true,
      },
    },
  },
  'sr.scan': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'sr.set': {
    params: {
      id: {
        type: 'string',
      },
      name_label: {
        type: 'string',
        optional: true,
      },
      name_description: {
        type: 'string',
        minLength: 0,
        optional: true,
      },
    },
  },
  'sr.stats': {
    description: 'returns statistic of the sr',
    params: {
      id: {
        type: 'string',
      },
      granularity: {
        type: 'string',
        optional: true,
      },
    },
  },
  'system.getMethodsInfo': {
    description: 'returns the signatures of all available API methods',
    params: {},
    permission: null,
  },
  'system.getServerTimezone': {
    description: 'return the timezone server',
    params: {},
  },
  'system.getServerVersion': {
    description: 'return the version of xo-server',
    params: {},
    permission: null,
  },
  'system.getVersion': {
    description: 'API version (unstable)',
    params: {},
    permission: null,
  },
  'system.listMethods': {
    description: 'returns the name of all available API methods',
    params: {},
    permission: null,
  },
  'system.methodSignature': {
    description: 'returns the signature of an API method',
    params: {
      method: {
        type: 'string',
      },
    },
    permission: null,
  },
  'tag.add': {
    description: 'add a new tag to an object',
    params: {
      tag: {
        type: 'string',
      },
      id: {
        type: 'string',
      },
    },
  },
  'tag.getAllConfigured': {
    description: 'Get all configured tags',
    params: {},
  },
  'tag.remove': {
    description: 'remove an existing tag from an object',
    params: {
      tag: {
        type: 'string',
        minLength: 0,
      },
      id: {
        type: 'string',
      },
    },
  },
  'tag.set': {
    description: 'Set a tag configuration',
    params: {
      id: {
        type: 'string',
      },
      color: {
        nullable: true,
        optional: true,
        pattern: '^#?([0-9A-Fa-f]{6})$',
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'task.cancel': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'task.destroy': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'test.changeConnectedXapiHostname': {
    description: 'change the connected XAPI hostname and check if the pool and the local cache are updated',
    params: {
      hostname: {
        type: 'string',
      },
      newObject: {
        type: 'string',
        description: "new connection's XO object",
      },
      oldObject: {
        type: 'string',
        description: "current connection's XO object",
      },
    },
    permission: 'admin',
  },
  'test.copyVm': {
    description: 'export/import full/delta VM',
    params: {
      vm: {
        type: 'string',
      },
      sr: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'test.createTask': {
    params: {
      name: {
        type: 'string',
        default: 'xo task',
      },
      objectId: {
        type: 'string',
        optional: true,
      },
      result: {
        optional: true,
      },
      duration: {
        type: 'number',
        default: 600000,
      },
    },
    permission: 'admin',
  },
  'test.getPermissionsForUser': {
    params: {
      userId: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'test.hasPermission': {
    params: {
      userId: {
        type: 'string',
      },
      objectId: {
        type: 'string',
      },
      permission: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'test.wait': {
    params: {
      duration: {
        type: 'string',
      },
    },
  },
  'token.create': {
    description: 'create a new authentication token',
    params: {
      description: {
        optional: true,
        type: 'string',
      },
      client: {
        description:
          'client this authentication token belongs to, if a previous token exists, it will be updated and returned',
        optional: true,
        type: 'object',
        properties: {
          id: {
            description: 'unique identifier of this client',
            type: 'string',
          },
        },
      },
      expiresIn: {
        optional: true,
        type: ['number', 'string'],
      },
    },
  },
  'token.delete': {
    description: 'delete matching authentication tokens for all users',
    params: {
      tokens: {
        type: 'array',
        optional: true,
        items: {
          type: 'string',
        },
      },
      pattern: {
        type: 'object',
        optional: true,
      },
    },
    permission: 'admin',
  },
  'token.deleteOwn': {
    description: 'delete matching authentication tokens for the current user',
    params: {
      tokens: {
        type: 'array',
        optional: true,
        items: {
          type: 'string',
        },
      },
      pattern: {
        type: 'object',
        optional: true,
      },
    },
  },
  'token.set': {
    description: 'changes the properties of an existing token',
    params: {
      description: {
        type: ['null', 'string'],
        minLength: 0,
        optional: true,
      },
      id: {
        type: 'string',
      },
    },
  },
  'user.changePassword': {
    description: 'change password after checking old password (user function)',
    params: {
      oldPassword: {
        type: 'string',
      },
      newPassword: {
        type: 'string',
      },
    },
  },
  'user.create': {
    description: 'creates a new user',
    params: {
      email: {
        type: 'string',
      },
      password: {
        type: 'string',
      },
      permission: {
        type: 'string',
        optional: true,
      },
    },
    permission: 'admin',
  },
  'user.delete': {
    description: 'deletes an existing user',
    params: {
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'user.getAll': {
    description: 'returns all the existing users',
    params: {},
    permission: 'admin',
  },
  'user.getAuthenticationTokens': {
    description: 'returns authentication tokens of the current user',
    params: {},
  },
  'user.removeAuthProvider': {
    params: {
      authProvider: {
        type: 'string',
      },
      id: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'user.set': {
    description: 'changes the properties of an existing user',
    params: {
      id: {
        type: 'string',
      },
      email: {
        type: 'string',
        optional: true,
      },
      password: {
        type: 'string',
        optional: true,
      },
      permission: {
        type: 'string',
        optional: true,
      },
      preferences: {
        type: 'object',
        optional: true,
      },
    },
  },
  'vbd.connect': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'vbd.delete': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'vbd.disconnect': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'vbd.set': {
    params: {
      id: {
        type: 'string',
      },
      position: {
        type: ['string', 'number'],
        optional: true,
      },
    },
  },
  'vbd.setBootable': {
    params: {
      vbd: {
        type: 'string',
      },
      bootable: {
        type: 'boolean',
      },
    },
  },
  'vdi.delete': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'vdi.migrate': {
    params: {
      id: {
        type: 'string',
      },
      resourceSet: {
        type: 'string',
        optional: true,
      },
      sr_id: {
        type: 'string',
      },
    },
  },
  'vdi.set': {
    params: {
      id: {
        type: 'string',
      },
      name_label: {
        type: 'string',
        optional: true,
      },
      name_description: {
        type: 'string',
        minLength: 0,
        optional: true,
      },
      size: {
        type: ['integer', 'string'],
        optional: true,
      },
      cbt: {
        type: 'boolean',
        optional: true,
      },
    },
  },
  'vif.connect': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'vif.delete': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'vif.disconnect': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'vif.getLockingModeValues': {
    params: {},
  },
  'vif.set': {
    description: 'Change properties of a VIF, its identifier is returned because it might change during the update',
    params: {
      id: {
        type: 'string',
      },
      network: {
        type: 'string',
        optional: true,
      },
      mac: {
        type: 'string',
        optional: true,
      },
      allowedIpv4Addresses: {
        type: 'array',
        items: {
          type: 'string',
        },
        optional: true,
      },
      allowedIpv6Addresses: {
        type: 'array',
        items: {
          type: 'string',
        },
        optional: true,
      },
      attached: {
        type: 'boolean',
        optional: true,
      },
      lockingMode: {
        type: 'string',
        optional: true,
      },
      rateLimit: {
        description: 'in kilobytes per seconds',
        optional: true,
        type: ['number', 'null'],
      },
      resourceSet: {
        type: 'string',
        optional: true,
      },
      txChecksumming: {
        type: 'boolean',
        optional: true,
      },
    },
  },
  'vm.addDataSource': {
    params: {
      id: {
        type: 'string',
      },
      dataSource: {
        type: 'string',
      },
    },
  },
  'vm.attachDisk': {
    params: {
      bootable: {
        type: 'boolean',
        optional: true,
      },
      mode: {
        type: 'string',
        optional: true,
      },
      position: {
        type: 'string',
        optional: true,
      },
      vdi: {
        type: 'string',
      },
      vm: {
        type: 'string',
      },
    },
  },
  'vm.attachPcis': {
    params: {
      id: {
        type: 'string',
      },
      pcis: {
        type: 'array',
        items: {
          type: 'string',
        },
      },
    },
  },
  'vm.clone': {
    params: {
      id: {
        type: 'string',
      },
      name: {
        type: 'string',
      },
      full_copy: {
        type: 'boolean',
      },
    },
  },
  'vm.coalesceLeaf': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'vm.convert': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'vm.convertToTemplate': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'vm.copy': {
    params: {
      compress: {
        type: ['boolean', 'string'],
        optional: true,
      },
      name: {
        type: 'string',
        optional: true,
      },
      vm: {
        type: 'string',
      },
      sr: {
        type: 'string',
      },
    },
  },
  'vm.copyToTemplate': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'vm.create': {
    params: {
      acls: {
        type: 'array',
        optional: true,
        items: {
          type: 'object',
          properties: {
            subject: {
              type: 'string',
            },
            action: {
              type: 'string',
            },
          },
        },
      },
      affinityHost: {
        type: 'string',
        optional: true,
      },
      bootAfterCreate: {
        type: 'boolean',
        optional: true,
      },
      cloudConfig: {
        type: 'string',
        optional: true,
      },
      createVtpm: {
        type: 'boolean',
        default: false,
      },
      networkConfig: {
        type: 'string',
        optional: true,
      },
      coreOs: {
        type: 'boolean',
        optional: true,
      },
      clone: {
        type: 'boolean',
        optional: true,
      },
      coresPerSocket: {
        type: ['string', 'number'],
        optional: true,
      },
      resourceSet: {
        type: 'string',
        optional: true,
      },
      destroyCloudConfigVdiAfterBoot: {
        type: 'boolean',
        optional: true,
      },
      installation: {
        type: 'object',
        optional: true,
        properties: {
          method: {
            type: 'string',
          },
          repository: {
            type: 'string',
          },
        },
      },
      vgpuType: {
        type: 'string',
        optional: true,
      },
      gpuGroup: {
        type: 'string',
        optional: true,
      },
      name_label: {
        type: 'string',
      },
      name_description: {
        type: 'string',
        minLength: 0,
        optional: true,
      },
      pv_args: {
        type: 'string',
        optional: true,
      },
      share: {
        type: 'boolean',
        optional: true,
      },
      template: {
        type: 'string',
      },
      VIFs: {
        optional: true,
        type: 'array',
        items: {
          type: 'object',
          properties: {
            network: {
              type: 'string',
            },
            mac: {
              optional: true,
              type: 'string',
            },
            allowedIpv4Addresses: {
              optional: true,
              type: 'array',
              items: {
                type: 'string',
              },
            },
            allowedIpv6Addresses: {
              optional: true,
              type: 'array',
              items: {
                type: 'string',
              },
            },
          },
        },
      },
      VDIs: {
        optional: true,
        type: 'array',
        items: {
          type: 'object',
          properties: {
            size: {
              type: ['integer', 'string'],
            },
            SR: {
              type: 'string',
            },
            type: {
              type: 'string',
            },
          },
          additionalProperties: true,
        },
      },
      existingDisks: {
        optional: true,
        type: 'object',
        additionalProperties: {
          type: 'object',
          properties: {
            size: {
              type: ['integer', 'string'],
              optional: true,
            },
            $SR: {
              type: 'string',
              optional: true,
            },
          },
          additionalProperties: true,
        },
      },
      hvmBootFirmware: {
        type: 'string',
        optional: true,
      },
      copyHostBiosStrings: {
        type: 'boolean',
        optional: true,
      },
      '*': {},
    },
  },
  'vm.createCloudInitConfigDrive': {
    params: {
      vm: {
        type: 'string',
      },
      sr: {
        type: 'string',
      },
      config: {
        type: 'string',
      },
      networkConfig: {
        type: 'string',
        optional: true,
      },
    },
  },
  'vm.createInterface': {
    params: {
      vm: {
        type: 'string',
      },
      network: {
        type: 'string',
      },
      position: {
        type: ['integer', 'string'],
        optional: true,
      },
      mac: {
        type: 'string',
        optional: true,
      },
      allowedIpv4Addresses: {
        type: 'array',
        items: {
          type: 'string',
        },
        optional: true,
      },
      allowedIpv6Addresses: {
        type: 'array',
        items: {
          type: 'string',
        },
        optional: true,
      },
    },
  },
  'vm.createVgpu': {
    params: {
      vm: {
        type: 'string',
      },
      gpuGroup: {
        type: 'string',
      },
      vgpuType: {
        type: 'string',
      },
    },
  },
  'vm.delete': {
    params: {
      id: {
        type: 'string',
      },
      deleteDisks: {
        optional: true,
        type: 'boolean',
      },
      force: {
        optional: true,
        type: 'boolean',
      },
      forceDeleteDefaultTemplate: {
        optional: true,
        type: 'boolean',
      },
      forceBlockedOperation: {
        optional: true,
        type: 'boolean',
      },
    },
  },
  'vm.deleteVgpu': {
    params: {
      vgpu: {
        type: 'string',
      },
    },
  },
  'vm.detachPcis': {
    params: {
      id: {
        type: 'string',
      },
      pciIds: {
        type: 'array',
        items: {
          type: 'string',
        },
      },
    },
  },
  'vm.ejectCd': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'vm.export': {
    params: {
      vm: {
        type: 'string',
      },
      compress: {
        type: ['boolean', 'string'],
        optional: true,
      },
      format: {
        enum: ['xva', 'ova'],
        optional: true,
      },
    },
  },
  'vm.getCloudInitConfig': {
    params: {
      template: {
        type: 'string',
      },
    },
  },
  'vm.getHaValues': {
    params: {},
  },
  'vm.getSecurebootReadiness': {
    params: {
      id: {
        type: 'string',
      },
      forceRefresh: {
        type: 'boolean',
        default: false,
      },
    },
  },
  'vm.import': {
    params: {
      data: {
        type: 'object',
        optional: true,
        properties: {
          descriptionLabel: {
            type: 'string',
            minLength: 0,
          },
          disks: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                capacity: {
                  type: 'integer',
                },
                descriptionLabel: {
                  type: 'string',
                  minLength: 0,
                },
                nameLabel: {
                  type: 'string',
                },
                path: {
                  type: 'string',
                },
                position: {
                  type: 'integer',
                },
              },
            },
            optional: true,
          },
          memory: {
            type: 'integer',
          },
          nameLabel: {
            type: 'string',
          },
          nCpus: {
            type: 'integer',
          },
          networks: {
            type: 'array',
            items: {
              type: 'string',
            },
            optional: true,
          },
        },
        additionalProperties: true,
      },
      type: {
        type: 'string',
        optional: true,
      },
      sr: {
        type: 'string',
      },
      url: {
        type: 'string',
        optional: true,
      },
    },
  },
  'vm.importFromEsxi': {
    params: {
      host: {
        type: 'string',
      },
      network: {
        type: 'string',
      },
      password: {
        type: 'string',
      },
      sr: {
        type: 'string',
      },
      sslVerify: {
        type: 'boolean',
        optional: true,
      },
      stopSource: {
        type: 'boolean',
        optional: true,
      },
      user: {
        type: 'string',
      },
      template: {
        type: 'string',
      },
      vm: {
        type: 'string',
      },
      workDirRemote: {
        type: 'string',
        optional: true,
      },
    },
  },
  'vm.importMultipleFromEsxi': {
    params: {
      concurrency: {
        type: 'number',
        optional: true,
        default: 2,
        description: 'number of VM imports in parallel (the disks are imported in parallel in each VM import)',
      },
      host: {
        type: 'string',
      },
      network: {
        type: 'string',
      },
      password: {
        type: 'string',
      },
      sr: {
        type: 'string',
      },
      sslVerify: {
        type: 'boolean',
        optional: true,
        default: true,
      },
      stopSource: {
        type: 'boolean',
        optional: true,
        default: false,
      },
      stopOnError: {
        type: 'boolean',
        optional: true,
        default: false,
        description: 'should the import stop on the first error , default true . Warning, change the response format',
      },
      thin: {
        type: 'boolean',
        optional: true,
        default: false,
      },
      template: {
        type: 'string',
      },
      user: {
        type: 'string',
      },
      vms: {
        items: {
          type: 'string',
          description: 'VM id to be imported, if used from cli use this syntax :  vms=json:\'["2","9","18"]\'',
        },
        minItems: 1,
        type: 'array',
        uniqueItems: true,
      },
      workDirRemote: {
        type: 'string',
        optional: true,
      },
    },
  },
  'vm.insertCd': {
    params: {
      id: {
        type: 'string',
      },
      cd_id: {
        type: 'string',
      },
      force: {
        type: 'boolean',
        optional: true,
      },
    },
  },
  'vm.migrate': {
    params: {
      vm: {
        type: 'string',
      },
      force: {
        type: 'boolean',
        optional: true,
      },
      targetHost: {
        type: 'string',
      },
      sr: {
        type: 'string',
        optional: true,
      },
      mapVdisSrs: {
        type: 'object',
        optional: true,
      },
      mapVifsNetworks: {
        type: 'object',
        optional: true,
      },
      migrationNetwork: {
        type: 'string',
        optional: true,
      },
      bypassAssert: {
        description: 'Bypass the verification asserting whether a VM can be migrated to the specified destination',
        optional: true,
        type: 'boolean',
      },
    },
  },
  'vm.pause': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'vm.recoveryStart': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'vm.removeDataSource': {
    params: {
      id: {
        type: 'string',
      },
      dataSource: {
        type: 'string',
      },
    },
  },
  'vm.restart': {
    params: {
      id: {
        type: 'string',
      },
      force: {
        type: 'boolean',
        optional: true,
      },
      bypassBlockedOperation: {
        type: 'boolean',
        optional: true,
      },
    },
  },
  'vm.resume': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'vm.revert': {
    params: {
      snapshot: {
        type: 'string',
      },
    },
  },
  'vm.set': {
    params: {
      id: {
        type: 'string',
      },
      auto_poweron: {
        type: 'boolean',
        optional: true,
      },
      name_label: {
        type: 'string',
        optional: true,
      },
      name_description: {
        type: 'string',
        minLength: 0,
        optional: true,
      },
      notes: {
        type: ['string', 'null'],
        maxLength: 2048,
        optional: true,
      },
      high_availability: {
        optional: true,
        enum: ['best-effort', 'restart', ''],
      },
      CPUs: {
        type: 'integer',
        optional: true,
      },
      cpusMax: {
        type: ['integer', 'string'],
        optional: true,
      },
      memory: {
        type: ['integer', 'string'],
        optional: true,
      },
      memoryMin: {
        type: ['integer', 'string'],
        optional: true,
      },
      memoryMax: {
        type: ['integer', 'string'],
        optional: true,
      },
      memoryStaticMax: {
        type: ['integer', 'string'],
        optional: true,
      },
      PV_args: {
        type: 'string',
        optional: true,
      },
      cpuMask: {
        type: 'array',
        items: {
          type: 'integer',
        },
        optional: true,
      },
      cpuWeight: {
        type: ['integer', 'null'],
        optional: true,
      },
      cpuCap: {
        type: ['integer', 'null'],
        optional: true,
      },
      affinityHost: {
        type: ['string', 'null'],
        optional: true,
      },
      vga: {
        type: 'string',
        optional: true,
      },
      videoram: {
        type: 'number',
        optional: true,
      },
      coresPerSocket: {
        type: ['string', 'number', 'null'],
        optional: true,
      },
      hasVendorDevice: {
        type: 'boolean',
        optional: true,
      },
      expNestedHvm: {
        type: 'boolean',
        optional: true,
      },
      nestedVirt: {
        type: 'boolean',
        optional: true,
      },
      resourceSet: {
        type: ['string', 'null'],
        optional: true,
      },
      share: {
        type: 'boolean',
        optional: true,
      },
      startDelay: {
        type: 'integer',
        optional: true,
      },
      secureBoot: {
        type: 'boolean',
        optional: true,
      },
      nicType: {
        type: ['string', 'null'],
        optional: true,
      },
      hvmBootFirmware: {
        type: ['string', 'null'],
        optional: true,
      },
      virtualizationMode: {
        type: 'string',
        optional: true,
      },
      viridian: {
        type: 'boolean',
        optional: true,
      },
      blockedOperations: {
        type: 'object',
        optional: true,
        properties: {
          '*': {
            type: ['boolean', 'null', 'string'],
          },
        },
      },
      creation: {
        type: 'object',
        optional: true,
        properties: {
          user: {
            type: 'string',
            optional: true,
          },
        },
      },
      suspendSr: {
        type: ['string', 'null'],
        optional: true,
      },
      uefiMode: {
        enum: ['setup', 'user'],
        optional: true,
      },
      xenStoreData: {
        description: 'properties that should be set or deleted (if null) in the VM XenStore',
        optional: true,
        type: 'object',
        additionalProperties: {
          type: ['null', 'string'],
        },
      },
    },
  },
  'vm.setAndRestart': {
    params: {
      force: {
        type: 'boolean',
        optional: true,
      },
      id: {
        type: 'string',
      },
      auto_poweron: {
        type: 'boolean',
        optional: true,
      },
      name_label: {
        type: 'string',
        optional: true,
      },
      name_description: {
        type: 'string',
        minLength: 0,
        optional: true,
      },
      notes: {
        type: ['string', 'null'],
        maxLength: 2048,
        optional: true,
      },
      high_availability: {
        optional: true,
        enum: ['best-effort', 'restart', ''],
      },
      CPUs: {
        type: 'integer',
        optional: true,
      },
      cpusMax: {
        type: ['integer', 'string'],
        optional: true,
      },
      memory: {
        type: ['integer', 'string'],
        optional: true,
      },
      memoryMin: {
        type: ['integer', 'string'],
        optional: true,
      },
      memoryMax: {
        type: ['integer', 'string'],
        optional: true,
      },
      memoryStaticMax: {
        type: ['integer', 'string'],
        optional: true,
      },
      PV_args: {
        type: 'string',
        optional: true,
      },
      cpuMask: {
        type: 'array',
        items: {
          type: 'integer',
        },
        optional: true,
      },
      cpuWeight: {
        type: ['integer', 'null'],
        optional: true,
      },
      cpuCap: {
        type: ['integer', 'null'],
        optional: true,
      },
      affinityHost: {
        type: ['string', 'null'],
        optional: true,
      },
      vga: {
        type: 'string',
        optional: true,
      },
      videoram: {
        type: 'number',
        optional: true,
      },
      coresPerSocket: {
        type: ['string', 'number', 'null'],
        optional: true,
      },
      hasVendorDevice: {
        type: 'boolean',
        optional: true,
      },
      expNestedHvm: {
        type: 'boolean',
        optional: true,
      },
      nestedVirt: {
        type: 'boolean',
        optional: true,
      },
      resourceSet: {
        type: ['string', 'null'],
        optional: true,
      },
      share: {
        type: 'boolean',
        optional: true,
      },
      startDelay: {
        type: 'integer',
        optional: true,
      },
      secureBoot: {
        type: 'boolean',
        optional: true,
      },
      nicType: {
        type: ['string', 'null'],
        optional: true,
      },
      hvmBootFirmware: {
        type: ['string', 'null'],
        optional: true,
      },
      virtualizationMode: {
        type: 'string',
        optional: true,
      },
      viridian: {
        type: 'boolean',
        optional: true,
      },
      blockedOperations: {
        type: 'object',
        optional: true,
        properties: {
          '*': {
            type: ['boolean', 'null', 'string'],
          },
        },
      },
      creation: {
        type: 'object',
        optional: true,
        properties: {
          user: {
            type: 'string',
            optional: true,
          },
        },
      },
      suspendSr: {
        type: ['string', 'null'],
        optional: true,
      },
      uefiMode: {
        enum: ['setup', 'user'],
        optional: true,
      },
      xenStoreData: {
        description: 'properties that should be set or deleted (if null) in the VM XenStore',
        optional: true,
        type: 'object',
        additionalProperties: {
          type: ['null', 'string'],
        },
      },
    },
  },
  'vm.setBootOrder': {
    params: {
      vm: {
        type: 'string',
      },
      order: {
        type: 'string',
      },
    },
  },
  'vm.snapshot': {
    params: {
      description: {
        type: 'string',
        minLength: 0,
        optional: true,
      },
      id: {
        type: 'string',
      },
      name: {
        type: 'string',
        optional: true,
      },
      saveMemory: {
        type: 'boolean',
        optional: true,
      },
    },
  },
  'vm.start': {
    params: {
      bypassMacAddressesCheck: {
        type: 'boolean',
        optional: true,
      },
      force: {
        type: 'boolean',
        optional: true,
      },
      host: {
        type: 'string',
        optional: true,
      },
      id: {
        type: 'string',
      },
    },
  },
  'vm.stats': {
    description: 'returns statistics about the VM',
    params: {
      id: {
        type: 'string',
      },
      granularity: {
        type: 'string',
        optional: true,
      },
    },
  },
  'vm.stop': {
    params: {
      id: {
        type: 'string',
      },
      force: {
        type: 'boolean',
        optional: true,
      },
      forceShutdownDelay: {
        type: 'number',
        default: 0,
      },
      bypassBlockedOperation: {
        type: 'boolean',
        optional: true,
      },
    },
  },
  'vm.suspend': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'vm.warmMigration': {
    params: {
      vm: {
        type: 'string',
      },
      sr: {
        type: 'string',
      },
      startDestinationVm: {
        type: 'boolean',
      },
      deleteSourceVm: {
        type: 'boolean',
      },
    },
    permission: 'admin',
  },
  'vtpm.create': {
    description: 'create a VTPM',
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'vtpm.destroy': {
    description: 'destroy a VTPM',
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'vusb.create': {
    params: {
      vm: {
        type: 'string',
      },
      usbGroup: {
        type: 'string',
      },
    },
  },
  'vusb.destroy': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'vusb.unplug': {
    params: {
      id: {
        type: 'string',
      },
    },
  },
  'xo.clean': {
    params: {},
    permission: 'admin',
  },
  'xo.exportConfig': {
    params: {
      compress: {
        type: 'boolean',
        default: true,
      },
      entries: {
        type: 'array',
        items: {
          type: 'string',
        },
        optional: true,
      },
      passphrase: {
        type: 'string',
        optional: true,
      },
    },
    permission: 'admin',
  },
  'xo.getAllObjects': {
    description: 'Returns all XO objects',
    params: {
      filter: {
        type: ['object', 'string'],
        optional: true,
      },
      limit: {
        type: 'number',
        optional: true,
      },
      ndjson: {
        type: 'boolean',
        optional: true,
      },
    },
  },
  'xo.importConfig': {
    params: {
      passphrase: {
        type: 'string',
        optional: true,
      },
    },
    permission: 'admin',
  },
  'xo.snapshotBeforeUpgrade': {
    params: {},
    permission: 'admin',
  },
  'xostor.create': {
    description: 'Create a XOSTOR storage',
    params: {
      description: {
        type: 'string',
        optional: true,
        default: 'From XO-server',
      },
      disksByHost: {
        type: 'object',
      },
      force: {
        type: 'boolean',
        optional: true,
        default: false,
      },
      ignoreFileSystems: {
        type: 'boolean',
        optional: true,
        default: false,
      },
      name: {
        type: 'string',
      },
      preferredInterface: {
        optional: true,
        properties: {
          networkId: {
            type: 'string',
          },
          name: {
            type: 'string',
          },
        },
        type: 'object',
      },
      provisioning: {
        enum: ['thin', 'thick'],
      },
      replication: {
        type: 'number',
      },
    },
    permission: 'admin',
  },
  'xostor.createInterface': {
    description: 'Create a linstor interface',
    params: {
      sr: {
        type: 'string',
      },
      network: {
        type: 'string',
      },
      name: {
        type: 'string',
      },
    },
  },
  'xostor.destroy': {
    description: 'Destroy a XOSTOR storage',
    params: {
      sr: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'xostor.destroyInterface': {
    description: 'Destroy a linstor interface',
    params: {
      sr: {
        type: 'string',
      },
      name: {
        type: 'string',
      },
    },
  },
  'xostor.formatDisks': {
    description: 'Format disks for a XOSTOR use',
    params: {
      disks: {
        type: 'array',
        items: {
          type: 'string',
        },
      },
      force: {
        type: 'boolean',
        optional: true,
        default: false,
      },
      host: {
        type: 'string',
      },
      ignoreFileSystems: {
        type: 'boolean',
        optional: true,
        default: false,
      },
      provisioning: {
        enum: ['thin', 'thick'],
      },
    },
    permission: 'admin',
  },
  'xostor.getInterfaces': {
    description: 'Get linstor available interfaces',
    params: {
      sr: {
        type: 'string',
      },
    },
  },
  'xostor.healthCheck': {
    params: {
      sr: {
        type: 'string',
      },
    },
  },
  'xostor.installDependencies': {
    description: 'Install XOSTOR dependencies',
    params: {
      host: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'xostor.set': {
    description: 'Changes the properties of an existing XOSTOR storage',
    params: {
      sr: {
        type: 'string',
      },
      preferredInterface: {
        optional: true,
        type: 'string',
      },
    },
  },
  'xostor.updateDependencies': {
    description: 'Update XOSTOR dependencies',
    params: {
      host: {
        type: 'string',
      },
    },
    permission: 'admin',
  },
  'audit.checkIntegrity': {
    description: 'Check records integrity between oldest and newest',
    params: {
      newest: {
        type: 'string',
        optional: true,
      },
      oldest: {
        type: 'string',
        optional: true,
      },
    },
    permission: 'admin',
  },
  'audit.clean': {
    description: 'Clean audit database',
    params: {},
    permission: 'admin',
  },
  'audit.deleteRange': {
    description: 'Delete a range of records and rewrite the records chain',
    params: {
      newest: {
        type: 'string',
      },
      oldest: {
        type: 'string',
        optional: true,
      },
    },
    permission: 'admin',
  },
  'audit.exportRecords': {
    params: {},
    permission: 'admin',
  },
  'audit.generateFingerprint': {
    description: 'Generate a fingerprint of the chain oldest-newest',
    params: {
      newest: {
        type: 'string',
        optional: true,
      },
      oldest: {
        type: 'string',
        optional: true,
      },
    },
    permission: 'admin',
  },
  'audit.getRecords': {
    description: 'Get records from a passed record ID',
    params: {
      id: {
        type: 'string',
        optional: true,
      },
      maxRecords: {
        type: ['number', 'null'],
        optional: true,
      },
      ndjson: {
        type: 'boolean',
        optional: true,
      },
    },
    permission: 'admin',
  },
  'audit.importRecords': {
    description: 'Import audit logs from a file',
    params: {},
    permission: 'admin',
  },
}

// The web-hooks plugin's method enum, as captured: the API methods present when the plugin was
// registered (the audit plugin's methods came later, so they are not in it).
export const WEB_HOOKS_METHOD_ENUM: string[] = [
  'acl.add',
  'acl.get',
  'acl.getCurrentPermissions',
  'acl.remove',
  'api.closeAllConnections',
  'api.getConnections',
  'backupNg.checkBackup',
  'backupNg.createJob',
  'backupNg.deleteJob',
  'backupNg.deleteVmBackup',
  'backupNg.deleteVmBackups',
  'backupNg.editJob',
  'backupNg.fetchFiles',
  'backupNg.getAllJobs',
  'backupNg.getAllLogs',
  'backupNg.getJob',
  'backupNg.getLogs',
  'backupNg.getSuggestedExcludedTags',
  'backupNg.importVmBackup',
  'backupNg.listFiles',
  'backupNg.listMountedPartitions',
  'backupNg.listPartitions',
  'backupNg.listVmBackups',
  'backupNg.mountPartition',
  'backupNg.runJob',
  'backupNg.unmountPartition',
  'cloudConfig.create',
  'cloudConfig.createNetworkConfig',
  'cloudConfig.delete',
  'cloudConfig.getAll',
  'cloudConfig.getAllNetworkConfigs',
  'cloudConfig.update',
  'customField.add',
  'customField.remove',
  'customField.set',
  'disk.create',
  'disk.exportContent',
  'disk.import',
  'disk.importContent',
  'docker.deregister',
  'docker.pause',
  'docker.register',
  'docker.restart',
  'docker.start',
  'docker.stop',
  'docker.unpause',
  'esxi.checkInstall',
  'esxi.exportDisk',
  'esxi.importDisk',
  'esxi.installNbdInfoFromSource',
  'esxi.installNbdKitFromSource',
  'esxi.installVddkLib',
  'esxi.listVms',
  'group.addUser',
  'group.create',
  'group.delete',
  'group.getAll',
  'group.removeUser',
  'group.set',
  'group.setUsers',
  'host.detach',
  'host.disable',
  'host.emergencyShutdownHost',
  'host.enable',
  'host.forget',
  'host.getBiosInfo',
  'host.getBlockdevices',
  'host.getMdadmHealth',
  'host.getSchedulerGranularity',
  'host.getSmartctlHealth',
  'host.getSmartctlInformation',
  'host.getSystemStatus',
  'host.installCertificate',
  'host.installSupplementalPack',
  'host.isHostServerTimeConsistent',
  'host.isHyperThreadingEnabled',
  'host.isPubKeyTooShort',
  'host.managementReconfigure',
  'host.restart',
  'host.restartAgent',
  'host.restart_agent',
  'host.scanPifs',
  'host.set',
  'host.setControlDomainMemory',
  'host.setMaintenanceMode',
  'host.setRemoteSyslogHost',
  'host.setSchedulerGranularity',
  'host.start',
  'host.stats',
  'host.stop',
  'hub.recipe.createKubernetesCluster',
  'ipPool.create',
  'ipPool.delete',
  'ipPool.getAll',
  'ipPool.set',
  'job.cancel',
  'job.create',
  'job.delete',
  'job.get',
  'job.getAll',
  'job.runSequence',
  'job.set',
  'log.delete',
  'log.get',
  'message.delete',
  'metadataBackup.createJob',
  'metadataBackup.delete',
  'metadataBackup.deleteJob',
  'metadataBackup.editJob',
  'metadataBackup.getAllJobs',
  'metadataBackup.getJob',
  'metadataBackup.list',
  'metadataBackup.restore',
  'metadataBackup.runJob',
  'mirrorBackup.createJob',
  'mirrorBackup.deleteJob',
  'mirrorBackup.editJob',
  'mirrorBackup.getAllJobs',
  'mirrorBackup.getJob',
  'mirrorBackup.runJob',
  'network.create',
  'network.createBonded',
  'network.delete',
  'network.getBondModes',
  'network.set',
  'pbd.connect',
  'pbd.delete',
  'pbd.disconnect',
  'pci.disableDom0Access',
  'pci.getDom0AccessStatus',
  'pif.connect',
  'pif.delete',
  'pif.disconnect',
  'pif.editPif',
  'pif.getIpv4ConfigurationModes',
  'pif.getIpv6ConfigurationModes',
  'pif.reconfigureIp',
  'plugin.configure',
  'plugin.disableAutoload',
  'plugin.enableAutoload',
  'plugin.get',
  'plugin.load',
  'plugin.purgeConfiguration',
  'plugin.test',
  'plugin.unload',
  'pool.disableHa',
  'pool.enableHa',
  'pool.getGuestSecureBootReadiness',
  'pool.getLicenseState',
  'pool.getPatchesDifference',
  'pool.getSystemStatuses',
  'pool.installPatches',
  'pool.installSupplementalPack',
  'pool.listMissingPatches',
  'pool.listPoolsMatchingCriteria',
  'pool.managementReconfigure',
  'pool.mergeInto',
  'pool.rollingReboot',
  'pool.rollingUpdate',
  'pool.set',
  'pool.setDefaultSr',
  'pool.setPoolMaster',
  'proxy.checkHealth',
  'proxy.deploy',
  'proxy.destroy',
  'proxy.get',
  'proxy.getAll',
  'proxy.getApplianceUpdaterState',
  'proxy.openSupportTunnel',
  'proxy.register',
  'proxy.unregister',
  'proxy.update',
  'proxy.updateApplianceSettings',
  'proxy.upgradeAppliance',
  'pusb.scan',
  'pusb.set',
  'remote.create',
  'remote.delete',
  'remote.get',
  'remote.getAll',
  'remote.getAllInfo',
  'remote.set',
  'remote.test',
  'resourceSet.addLimit',
  'resourceSet.addObject',
  'resourceSet.addSubject',
  'resourceSet.create',
  'resourceSet.delete',
  'resourceSet.get',
  'resourceSet.getAll',
  'resourceSet.recomputeAllLimits',
  'resourceSet.removeLimit',
  'resourceSet.removeObject',
  'resourceSet.removeSubject',
  'resourceSet.set',
  'role.getAll',
  'schedule.create',
  'schedule.delete',
  'schedule.get',
  'schedule.getAll',
  'schedule.runSequence',
  'schedule.set',
  'server.add',
  'server.disable',
  'server.enable',
  'server.getAll',
  'server.remove',
  'server.set',
  'session.getUser',
  'session.signIn',
  'session.signInWithPassword',
  'session.signInWithToken',
  'session.signOut',
  'sm.getFromSr',
  'sr.connectAllPbds',
  'sr.createExt',
  'sr.createHba',
  'sr.createIscsi',
  'sr.createIso',
  'sr.createLvm',
  'sr.createNfs',
  'sr.createSmb',
  'sr.createZfs',
  'sr.destroy',
  'sr.disableMaintenanceMode',
  'sr.disconnectAllPbds',
  'sr.enableMaintenanceMode',
  'sr.forget',
  'sr.getAllUnhealthyVdiChainsLength',
  'sr.getVdiChainsInfo',
  'sr.probeHba',
  'sr.probeHbaExists',
  'sr.probeIscsiExists',
  'sr.probeIscsiIqns',
  'sr.probeIscsiLuns',
  'sr.probeNfs',
  'sr.probeNfsExists',
  'sr.probeZfs',
  'sr.reclaimSpace',
  'sr.scan',
  'sr.set',
  'sr.stats',
  'system.getMethodsInfo',
  'system.getServerTimezone',
  'system.getServerVersion',
  'system.getVersion',
  'system.listMethods',
  'system.methodSignature',
  'tag.add',
  'tag.getAllConfigured',
  'tag.remove',
  'tag.set',
  'task.cancel',
  'task.destroy',
  'test.changeConnectedXapiHostname',
  'test.copyVm',
  'test.createTask',
  'test.getPermissionsForUser',
  'test.hasPermission',
  'test.wait',
  'token.create',
  'token.delete',
  'token.deleteOwn',
  'token.set',
  'user.changePassword',
  'user.create',
  'user.delete',
  'user.getAll',
  'user.getAuthenticationTokens',
  'user.removeAuthProvider',
  'user.set',
  'vbd.connect',
  'vbd.delete',
  'vbd.disconnect',
  'vbd.set',
  'vbd.setBootable',
  'vdi.delete',
  'vdi.migrate',
  'vdi.set',
  'vif.connect',
  'vif.delete',
  'vif.disconnect',
  'vif.getLockingModeValues',
  'vif.set',
  'vm.addDataSource',
  'vm.attachDisk',
  'vm.attachPcis',
  'vm.clone',
  'vm.coalesceLeaf',
  'vm.convert',
  'vm.convertToTemplate',
  'vm.copy',
  'vm.copyToTemplate',
  'vm.create',
  'vm.createCloudInitConfigDrive',
  'vm.createInterface',
  'vm.createVgpu',
  'vm.delete',
  'vm.deleteVgpu',
  'vm.detachPcis',
  'vm.ejectCd',
  'vm.export',
  'vm.getCloudInitConfig',
  'vm.getHaValues',
  'vm.getSecurebootReadiness',
  'vm.import',
  'vm.importFromEsxi',
  'vm.importMultipleFromEsxi',
  'vm.insertCd',
  'vm.migrate',
  'vm.pause',
  'vm.recoveryStart',
  'vm.removeDataSource',
  'vm.restart',
  'vm.resume',
  'vm.revert',
  'vm.set',
  'vm.setAndRestart',
  'vm.setBootOrder',
  'vm.snapshot',
  'vm.start',
  'vm.stats',
  'vm.stop',
  'vm.suspend',
  'vm.warmMigration',
  'vtpm.create',
  'vtpm.destroy',
  'vusb.create',
  'vusb.destroy',
  'vusb.unplug',
  'xo.clean',
  'xo.exportConfig',
  'xo.getAllObjects',
  'xo.importConfig',
  'xo.snapshotBeforeUpgrade',
  'xostor.create',
  'xostor.createInterface',
  'xostor.destroy',
  'xostor.destroyInterface',
  'xostor.formatDisks',
  'xostor.getInterfaces',
  'xostor.healthCheck',
  'xostor.installDependencies',
  'xostor.set',
  'xostor.updateDependencies',
]
